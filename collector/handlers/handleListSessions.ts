// GET /api/sessions?userID=&meta=key:value&hasErrors=1&url=&event=&limit=&before=:
// newest first, from the storage's index; no event is read. `hasErrors=1`
// keeps the sessions with an error, a console error or a failed request
// (sessionMatches.ts says why all three); `url` is a substring of any URL the
// session visited, ignoring case; `event` the exact name of a tracker.event. Paging passes the startedAt of the
// last session shown as `before`; sessions that started in that very
// millisecond but did not fit on the page are skipped, a loss accepted for a
// cursor a person can read.
import {HttpError} from '../lib/httpError';
import {sessionSummary} from '../sessionSummary';
import type {SessionQuery} from '../storage/storage';
import type {Handler} from '../route';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export const handleListSessions: Handler = async ({url, who}, collector) => {
  const query = parseQuery(url.searchParams);
  // A key limited to some projects lists only theirs.
  if (who!.projects) query.projects = who!.projects;
  const sessions = await collector.storage.listSessions(query);
  return {status: 200, json: {sessions: sessions.map(sessionSummary)}};
};

function parseQuery(params: URLSearchParams): SessionQuery {
  const query: SessionQuery = {limit: DEFAULT_LIMIT};
  const limit = params.get('limit');
  if (limit !== null) {
    query.limit = Number(limit);
    if (!/^\d+$/.test(limit) || query.limit < 1 || query.limit > MAX_LIMIT) throw new HttpError(400, `"limit" must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const before = params.get('before');
  if (before !== null) {
    query.before = Number(before);
    if (!before || !Number.isFinite(query.before)) throw new HttpError(400, '"before" must be a time in ms: the startedAt of the last session of the previous page');
  }
  const hasErrors = params.get('hasErrors');
  if (hasErrors !== null) {
    if (hasErrors !== '1' && hasErrors !== '0') throw new HttpError(400, '"hasErrors" must be 1 (only sessions with errors) or 0 (all sessions)');
    if (hasErrors === '1') query.hasErrors = true;
  }
  const frustrated = params.get('frustrated');
  if (frustrated !== null) {
    if (frustrated !== '1' && frustrated !== '0') throw new HttpError(400, '"frustrated" must be 1 (only sessions with rage, dead or error clicks) or 0 (all sessions)');
    if (frustrated === '1') query.frustrated = true;
  }
  const url = params.get('url');
  if (url) query.url = url;
  const event = params.get('event');
  if (event) query.event = event;
  const userID = params.get('userID');
  if (userID !== null) query.userID = userID;
  const meta = params.getAll('meta');
  if (meta.length) {
    query.meta = meta.map((pair) => {
      const colon = pair.indexOf(':');
      if (colon <= 0) throw new HttpError(400, `"meta" must be key:value, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, colon), pair.slice(colon + 1)];
    });
  }
  return query;
}
