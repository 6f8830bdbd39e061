// GET /api/sessions/:id/events: the session with every page's events, in
// order, streamed from storage batch after batch (eventsJson.ts). Each read
// is in the audit log.
import {sessionWithEventsJson} from './eventsJson';
import {sessionSummary} from './sessionSummary';
import type {Handler} from '../http/route';
import {findSession} from './findSession';

export const handleSessionEvents: Handler = async ({params, who, address}, collector) => {
  const session = await findSession(collector, params.id, who!);
  const summary = sessionSummary(session);
  // Every page's list of batches before the answer starts: a storage that cannot read says so with a status.
  const batches = await Promise.all(summary.pages.map((page) => collector.storage.readPageBatches(session.sessionID, page.pageID)));
  // In the audit log before a byte of the recording is sent.
  await collector.access.audit(who, address, 'replay_opened', {sessionID: session.sessionID, userID: session.userID ?? undefined, projectKey: session.projectKey, detail: 'every page'});
  return {status: 200, stream: sessionWithEventsJson(summary, batches)};
};
