// GET /api/sessions/:id: one session as listed, without its events.
import {sessionSummary} from './sessionSummary';
import type {Handler} from '../http/route';
import {findSession} from './findSession';

export const handleGetSession: Handler = async ({params, who}, collector) => {
  return {status: 200, json: sessionSummary(await findSession(collector, params.id, who!))};
};
