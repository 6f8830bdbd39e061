// GET /api/sessions/:id/events: the session with every page's events, in order.
import {sessionSummary} from '../sessionSummary';
import type {Handler} from '../route';
import {findSession} from './findSession';

export const handleSessionEvents: Handler = async ({params}, collector) => {
  const session = await findSession(collector, params.id);
  const summary = sessionSummary(session);
  const pages = await Promise.all(
    summary.pages.map(async (page) => ({...page, events: await collector.storage.readPageEvents(session.sessionID, page.pageID)})),
  );
  return {status: 200, json: {...summary, pages}};
};
