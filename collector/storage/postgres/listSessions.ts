// GET /api/sessions on PostgreSQL: the newest sessions that match, however
// many the table holds and however few of them match (bench/NOTES.md,
// figure 12).
//
// Newest first, a listing that walks down an index in that order stops as
// soon as the page is full: the best plan when many sessions match, and the
// worst when few or none do (it reads the whole table to find that out).
// Fetching every match through the filters' indexes and sorting them is the
// opposite. The planner picks between the two from its estimates, and an
// estimate that is off by little costs seconds: a release tag that only the
// oldest 2 % of the sessions carry is estimated at 2 % everywhere, so the
// planner walked 960,000 rows to find the first of them (536 ms on
// 1,000,000 sessions). So the choice is made here, on what the rows show:
//
// 1. The estimates. How many sessions the most selective filter leads to
//    through its index (chooseIndexes.ts: the planner's statistics, or for
//    a URL a sample, and near the line between walking and the indexes, the
//    URL index's own count of its candidates). A row walked is one of the
//    18 or so on each page of the table, read in the order they were
//    written; a row an index leads to is a page of its own, somewhere:
//    about INDEX_ROW_COST times dearer. When that filter is rare enough,
//    the indexes go first (3).
// 2. The walk. The newest sessions the ordered conditions allow
//    (sessionFilterSql.ts: down the index of the user, of the sessions with
//    problems, of the project…, or of all sessions), or those of one
//    metadata pair or event name (down its tag's index, session_tags:
//    tagToWalk says which way), a window of FIRST_WINDOW, are checked
//    against the other conditions. The page is done if it fills, or if the
//    window held the last of them. Else the rate at which the window
//    matched says how many more rows the walk would read to fill the page,
//    and the cheaper goes on: the walk, in a window sized to fill the page,
//    or
// 3. The indexes. What is left of the page is looked for among the
//    sessions older than the walk went, through the chosen indexes, and
//    sorted; plans that walk (an index scan in order, or a scan of the
//    table) are turned off for this statement. Its cost follows the number
//    of sessions that index leads to, not the size of the table.
//
// A filter that only ordered conditions make (a user, errors, a project) is
// one statement: its index finds its sessions newest first.
import type {SessionCursor, SessionQuery} from '../storage';
import {chooseIndexes, type ChosenIndexes} from './chooseIndexes';
import {avoidWalkingPlans, estimatedSessions, listingSettings, type Run} from './planner';
import {checks, keysetSql, newestFirst, orderedSql, render, sessionFilterSql, sqlParams, throughIndexes, where, type FilterSql, type GinFilter} from './sessionFilterSql';
import {countUrlCandidates, urlIndexConditions} from './urlIndexConditions';

const FIRST_WINDOW = 5_000;
/** The least a later window of the walk reads. */
const MIN_WINDOW = 2_000;
/** The most one window of the walk reads. */
const MAX_WINDOW = 250_000;
/** What a row reached through an index costs, against a row walked (measured: bench/NOTES.md, figure 12). */
const INDEX_ROW_COST = 4;
/** A URL estimated at up to this many times the bound below which the indexes go first has its candidates counted. */
const COUNT_URL_CANDIDATES_BELOW = 4;

/** A session's pages as JSON, built by the database, for the session aliased `alias`. */
export const pagesJson = (alias: string) => `coalesce((
  SELECT json_agg(json_strip_nulls(json_build_object(
    'pageID', p.page_id, 'url', p.url, 'referrer', p.referrer, 'startedAt', p.started_at,
    'eventCount', p.event_count, 'viewport', p.viewport, 'trackerVersion', p.tracker_version
  )) ORDER BY p.page_id)
  FROM pages p WHERE p.session_id = ${alias}.session_id), '[]') AS pages`;

/** The rows of the sessions (with their pages) a listing shows, newest first. */
export async function listSessions(run: Run, query: SessionQuery): Promise<Array<Record<string, any>>> {
  await listingSettings(run);
  const filter = sessionFilterSql(query);
  if (!filter.gin.length) {
    const {param, values} = sqlParams();
    const conditions = [...keysetSql(query, param), ...render(orderedSql(filter), param)];
    const {rows} = await run(`SELECT s.*, ${pagesJson('s')} FROM sessions s ${where(conditions)} ORDER BY ${newestFirst()} LIMIT ${param(query.limit)}`, values);
    return rows;
  }

  const sessions = await estimatedSessions(run);
  if (filter.url) Object.assign(filter.url, await urlIndexConditions(run, filter.url.needle, sessions));
  let indexes = await chooseIndexes(run, filter);
  // Walked only if the indexes could lead to more rows than the walk would
  // likely read, matches spread evenly: it reads limit × sessions ÷ matches
  // rows, and that is less than INDEX_ROW_COST × matches past the square
  // root of their quotient (16,000 rows on 10,000,000 sessions). Below it
  // the indexes go first, their cost bounded by it whatever the estimate of
  // the walk's.
  const bound = Math.sqrt((query.limit * sessions) / INDEX_ROW_COST);
  // A rare URL's estimate, from its sample, is about one in a thousand
  // sessions however rare it is: above the bound on millions. Near it, the
  // URL index says how many (a few milliseconds, where the walk that the
  // estimate would start reads 5,000 rows for nothing).
  const url = filter.url;
  if (url?.rows !== undefined && indexes.rows === url.rows && url.rows > bound && url.rows <= COUNT_URL_CANDIDATES_BELOW * bound) {
    const counted = await countUrlCandidates(run, url.index);
    if (counted !== undefined) {
      url.rows = counted;
      indexes = await chooseIndexes(run, filter);
    }
  }
  const tag = tagToWalk(filter, indexes, sessions);
  // A row a tag leads to is a page of its own, somewhere.
  const rowCost = tag ? INDEX_ROW_COST : 1;
  const found: Array<Record<string, any>> = [];
  let cursor = query.cursor;
  if (indexes.rows > bound) {
    let scanned = 0;
    let window = FIRST_WINDOW;
    for (;;) {
      const {matches, last} = await walk(run, {...query, cursor}, filter, tag, window, query.limit - found.length);
      found.push(...matches);
      scanned += window;
      // Full, or nothing older to look at.
      if (found.length >= query.limit || !last) return found;
      cursor = last;
      const rate = found.length / scanned;
      const toWalk = rate > 0 ? Math.ceil((query.limit - found.length) / rate) : Infinity;
      if (toWalk * rowCost > INDEX_ROW_COST * indexes.rows) break;
      // With room to spare: a window that falls short by a few rows costs another statement.
      window = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, Math.ceil(toWalk * 1.5)));
    }
  }

  // The indexes, for what is older than the walk went.
  await avoidWalkingPlans(run);
  const {param, values} = sqlParams();
  const conditions = [...keysetSql({before: query.before, cursor}, param), ...render(throughIndexes(filter, indexes.chosen), param)];
  // Sorted by their keys alone, then the page's rows read whole: a sort of
  // 200,000 whole rows took a third of such a statement.
  const {rows} = await run(
    `SELECT s.*, ${pagesJson('s')} FROM sessions s
     WHERE s.session_id IN (SELECT s.session_id FROM sessions s ${where(conditions)} ORDER BY ${newestFirst()} LIMIT ${param(query.limit - found.length)})
     ORDER BY ${newestFirst()}`,
    values,
  );
  return [...found, ...rows];
}

/**
 * What the walk goes down: the sessions in the listing's order (through the
 * ordered filters' index, or all of them: undefined), or the sessions of one
 * tag (a metadata pair or an event name), newest first. The walk reads about
 * as many rows as its way leads to for each match, whichever it takes, so
 * the way that leads to the fewest, each costed as it is read: a row of the
 * plain walk is one of the 18 on a page read in order; one that an index
 * leads to, a page of its own.
 */
function tagToWalk(filter: FilterSql, indexes: ChosenIndexes, sessions: number): GinFilter | undefined {
  const orderedRows = filter.ordered.map((ordered) => indexes.estimates.get(ordered) ?? sessions);
  let cost = orderedRows.length ? INDEX_ROW_COST * Math.min(...orderedRows) : sessions;
  let way: GinFilter | undefined;
  for (const gin of filter.gin) {
    const rows = indexes.estimates.get(gin);
    if (!gin.tag || rows === undefined || INDEX_ROW_COST * rows >= cost) continue;
    cost = INDEX_ROW_COST * rows;
    way = gin;
  }
  return way;
}

/**
 * One window of the walk: up to `wanted` matches among the next `window`
 * sessions its way leads to (tagToWalk), and where the window ended, the
 * place to go on from (none when the window held the last of them).
 */
async function walk(run: Run, query: SessionQuery, filter: FilterSql, tag: GinFilter | undefined, window: number, wanted: number) {
  const {param, values} = sqlParams();
  const size = param(window);
  // Each row of the window numbered in the listing's order (nth), with its
  // place in it (walk_at, walk_id): the window's last comes back whether it
  // matches or not (nth = size).
  let numbered: string;
  if (!tag) {
    const within = where([...keysetSql(query, param), ...render(orderedSql(filter), param)]);
    const hit = render(checks(filter), param).join(' AND ');
    numbered = `SELECT s.*, (${hit}) AS hit, s.started_at AS walk_at, s.session_id AS walk_id, row_number() OVER (ORDER BY ${newestFirst()}) AS nth
      FROM (SELECT * FROM sessions s ${within} ORDER BY ${newestFirst()} LIMIT ${size}) AS s`;
  } else {
    // Down the tag's index; each session checked against every filter, the
    // tag's own included (the tag is a hash). A tag without its session
    // (none, while the trigger keeps them) only takes a place in the window.
    // Each session is looked up by its key, in the tag's order (LIMIT 1 keeps
    // the planner from joining otherwise: on a small table it would rather
    // read the whole table than look up 5,000 keys).
    const within = where([`t.tag = ${tag.tag!(param)}`, ...keysetSql(query, param, 't')]);
    const hit = [...render(filter.ordered.map((ordered) => ordered.check), param), ...render(checks(filter), param)].join(' AND ');
    numbered = `SELECT s.*, (${hit}) AS hit, t.started_at AS walk_at, t.session_id AS walk_id, t.nth
      FROM (
        SELECT t.started_at, t.session_id, row_number() OVER (ORDER BY ${newestFirst('t')}) AS nth
        FROM (SELECT t.started_at, t.session_id FROM session_tags t ${within} ORDER BY ${newestFirst('t')} LIMIT ${size}) AS t
      ) AS t
      LEFT JOIN LATERAL (SELECT * FROM sessions s WHERE s.session_id = t.session_id LIMIT 1) AS s ON true`;
  }
  const {rows} = await run(
    `SELECT w.*, ${pagesJson('w')} FROM (${numbered}) AS w
     WHERE w.hit OR w.nth = ${size}
     ORDER BY w.walk_at DESC, w.walk_id DESC LIMIT ${param(wanted + 1)}`,
    values,
  );
  const matches = rows.filter((row) => row.hit).slice(0, wanted);
  const end = rows.find((row) => Number(row.nth) === window);
  const last: SessionCursor | undefined = end && {startedAt: Number(end.walk_at), sessionID: end.walk_id};
  for (const row of rows) {
    delete row.hit;
    delete row.nth;
    delete row.walk_at;
    delete row.walk_id;
  }
  return {matches, last};
}
