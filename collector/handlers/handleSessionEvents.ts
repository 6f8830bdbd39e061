// GET /api/sessions/:id/events: the session with every page's events, in
// order, streamed from storage batch after batch (eventsJson.ts).
import {sessionWithEventsJson} from '../eventsJson';
import {sessionSummary} from '../sessionSummary';
import type {Handler} from '../route';
import {findSession} from './findSession';

export const handleSessionEvents: Handler = async ({params}, collector) => {
  const session = await findSession(collector, params.id);
  const summary = sessionSummary(session);
  // Every page's list of batches before the answer starts: a storage that cannot read says so with a status.
  const batches = await Promise.all(summary.pages.map((page) => collector.storage.readPageBatches(session.sessionID, page.pageID)));
  return {status: 200, stream: sessionWithEventsJson(summary, batches)};
};
