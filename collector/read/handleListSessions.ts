// GET /api/sessions?userID=&meta=key:value&hasErrors=1&frustrated=1&url=&event=&limit=&cursor=&count=1:
// newest first (startedAt, then sessionID, both descending), from the
// storage's index; no event is read. `hasErrors=1` keeps the sessions with an
// error, a console error or a failed request (storage/sessionMatches.ts says why all
// three); `url` is a substring of any URL the session visited, ignoring case,
// of at least 3 characters; `event` the exact name of a tracker.event.
//
// Paging: the answer's `nextCursor` (null on the last page), passed back as
// `cursor`, continues exactly where the page ended, also among sessions that
// started in the same millisecond, and whatever arrives meanwhile (a session
// never changes its place). Older clients pass the startedAt of the last
// session shown as `before`, which still works: sessions of that very
// millisecond that did not fit on the page are then skipped.
//
// `count=1` adds `count: {value, exact}`: how many sessions match, in about
// the listing's time: exact up to 10,000 where that is quick, else a backend
// may estimate it, and says so. `count=exact` is exact up to 10,000 even where
// counting takes longer (seconds at most; past that, still an estimate): the
// viewer asks it, with limit=1, after showing the page and an estimate.
import {HttpError} from '../lib/httpError';
import {sessionSummary} from './sessionSummary';
import type {SessionCount, SessionFilter, SessionQuery, Storage} from '../storage/storage';
import type {Session} from '../storage/types';
import type {Handler} from '../http/route';
import {decodeCursor, encodeCursor} from './sessionCursor';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export const handleListSessions: Handler = async ({url, who}, collector) => {
  const query = parseQuery(url.searchParams);
  const counting = countAsked(url.searchParams);
  // A key limited to some projects lists only theirs.
  if (who!.projects) query.projects = who!.projects;
  const {before, cursor, limit, ...filter} = query;
  // One more than the page: whether there is a next one.
  const [sessions, countBeside] = await listAndCount(collector.storage, {...query, limit: limit + 1}, filter, counting);
  const page = sessions.slice(0, limit);
  const nextCursor = sessions.length > limit ? encodeCursor(page[page.length - 1]) : null;
  // A first page that is also the last holds every match: that is the count,
  // whatever a backend estimated (it may, for a few matches that are costly
  // to count). Nor is an estimate below what the page shows.
  const wholeList = nextCursor === null && !cursor && before === undefined;
  let counted: SessionCount | undefined;
  if (counting && wholeList) counted = {value: page.length, exact: true};
  else if (countBeside) counted = countBeside.exact ? countBeside : {value: Math.max(countBeside.value, page.length), exact: false};
  return {status: 200, json: {sessions: page.map(sessionSummary), nextCursor, ...(counted && {count: counted})}};
};

/**
 * The page, and the count where asked: beside it where each has a connection
 * of its own, in the same pass where both are passes over the sessions in
 * memory (a page that stopped part way and a count after it went over those
 * sessions twice).
 */
async function listAndCount(storage: Storage, query: SessionQuery, filter: SessionFilter, counting: 'quick' | 'exact' | undefined): Promise<[Session[], SessionCount | undefined]> {
  if (counting && storage.listAndCount) {
    const {sessions, count} = await storage.listAndCount(query);
    return [sessions, count];
  }
  return Promise.all([storage.listSessions(query), counting ? storage.countSessions(filter, {patient: counting === 'exact'}) : undefined]);
}

/** Whether to count the matches too, and how: 'quick' (count=1) or 'exact'. */
function countAsked(params: URLSearchParams): 'quick' | 'exact' | undefined {
  const count = params.get('count');
  if (count === null || count === '0') return undefined;
  if (count === '1') return 'quick';
  if (count === 'exact') return 'exact';
  throw new HttpError(400, '"count" must be 1 (count the matching sessions too, or estimate where counting is slow), exact (count up to 10,000 even when slow) or 0');
}

function parseQuery(params: URLSearchParams): SessionQuery {
  const query: SessionQuery = {limit: DEFAULT_LIMIT};
  const limit = params.get('limit');
  if (limit !== null) {
    query.limit = Number(limit);
    if (!/^\d+$/.test(limit) || query.limit < 1 || query.limit > MAX_LIMIT) throw new HttpError(400, `"limit" must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const cursor = params.get('cursor');
  if (cursor !== null) {
    if (params.has('before')) throw new HttpError(400, '"cursor" and "before" are two ways to ask for the next page: give the cursor alone');
    query.cursor = decodeCursor(cursor);
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
  if (url) {
    // Two characters are in nearly every URL, and too short to look up in an index of trigrams.
    if ([...url].length < 3) throw new HttpError(400, '"url" must be at least 3 characters: a part of the address such as /checkout');
    query.url = url;
  }
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
