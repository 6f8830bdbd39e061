// GET /api/sessions/:id/pages/:pageID/events: one page's events, so that a
// viewer can play the first page of a long session while fetching the rest.
import type {Handler} from '../route';
import {findPage, findSession} from './findSession';

export const handlePageEvents: Handler = async ({params}, collector) => {
  const session = await findSession(collector, params.id);
  const page = findPage(session, params.pageID);
  return {status: 200, json: {pageID: page.pageID, events: await collector.storage.readPageEvents(session.sessionID, page.pageID)}};
};
