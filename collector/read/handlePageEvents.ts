// GET /api/sessions/:id/pages/:pageID/events: one page's events, so that a
// viewer can play the first page of a long session while fetching the rest.
// Streamed from storage batch after batch (eventsJson.ts); in the audit log.
import {pageWithEventsJson} from './eventsJson';
import type {Handler} from '../http/route';
import {findPage, findSession} from './findSession';

export const handlePageEvents: Handler = async ({params, who, address}, collector) => {
  const session = await findSession(collector, params.id, who!);
  const page = findPage(session, params.pageID);
  const batches = await collector.storage.readPageBatches(session.sessionID, page.pageID);
  await collector.access.audit(who, address, 'replay_opened', {sessionID: session.sessionID, userID: session.userID ?? undefined, projectKey: session.projectKey, detail: `page ${page.pageID}`});
  return {status: 200, stream: pageWithEventsJson({pageID: page.pageID}, batches)};
};
