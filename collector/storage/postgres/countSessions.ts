// How many sessions match a filter, on PostgreSQL: exact up to
// EXACT_COUNT_LIMIT (10,000), an estimate past it, in about the time the
// listing takes (listSessions.ts).
//
// Counting is reading: 10,001 matches are 10,001 rows (or index entries) to
// reach, and where one match in 200 sessions qualifies that is 2,000,000
// rows. So:
//
// - A filter the ordered indexes answer alone (none, a user, errors,
//   frustration, projects) is counted down its index, stopping at 10,001;
//   past that, the planner's estimate (its statistics of those columns).
// - Any other filter whose most selective index leads to few sessions (at
//   most EXACT_COUNT_MAX_ROWS, chooseIndexes.ts; EXACT_COUNT_MAX_CHECKED_ROWS
//   when each must also be checked against a metadata, event or URL filter
//   whose index was not chosen) is counted through the indexes, as the
//   listing's last step does, up to 10,001: what those few rows cost.
// - The others are tried on a sample first: whole pages of the table picked
//   at random (TABLESAMPLE SYSTEM), about SAMPLE_ROWS sessions. If matches
//   turn up on more of its pages than 10,000 matches could put there
//   (spread one to a page, the most pages they can reach: the sample's share
//   of 10,000, plus five standard deviations, and at least MIN_PAGES), there
//   are surely more than 10,000: the count is the sample's rate times the
//   table. Pages rather than rows, because sessions that match often sit
//   together (those of one day, of one release): a sample that catches one
//   such page catches 18 matches at once.
//
// Filters that are each common and together rare (30 %, 2 % and 25 % of the
// sessions, 0.15 % together) leave no cheap way to an exact count: when the
// sample saw MIN_HITS matches and the indexes lead to more than
// EXACT_COUNT_MAX_ROWS sessions (EXACT_COUNT_MAX_CHECKED_ROWS, above), or
// when counting takes longer than COUNT_BUDGET_MS, the sample's estimate is
// given, said to be one, also when it is below 10,000. Asked to be
// `patient` (the viewer does, after showing the page and that estimate), the
// count skips that shortcut and may take PATIENT_BUDGET_MS: 101 ms at p50,
// 124 at p95 for those three filters on 1,000,000 sessions (bench/NOTES.md,
// figure 12, run e). Only a sample that shows surely more than 10,000 still
// ends it early.
import {EXACT_COUNT_LIMIT, type CountOptions, type SessionCount, type SessionFilter} from '../storage';
import {chooseIndexes, type ChosenIndexes} from './chooseIndexes';
import {avoidWalkingPlans, estimatedSessions, isStatementTimeout, listingSettings, planRows, type Run} from './planner';
import {checks, newestFirst, orderedSql, render, sessionFilterSql, sqlParams, throughIndexes, where, type FilterSql} from './sessionFilterSql';
import {urlIndexConditions} from './urlIndexConditions';

const SAMPLE_ROWS = 10_000;
const MIN_PAGES = 20;
const COUNT_BUDGET_MS = 100;
/** A patient count's: seconds at most, since a person waits for it beside the page already shown. */
const PATIENT_BUDGET_MS = 3_000;
/** Past this many sessions to reach, a count through indexes would not end within its budget. */
const EXACT_COUNT_MAX_ROWS = 50_000;
/**
 * The same, when each session reached must also be checked against a
 * metadata, event or URL filter whose index was not chosen: 20,000 sessions
 * of an event, each fetched and checked for a plan and a URL, took 131 ms on
 * 1,000,000 sessions (bench/NOTES.md, figure 12).
 */
const EXACT_COUNT_MAX_CHECKED_ROWS = 10_000;
/** Matches a sample must show for its estimate to be given without trying to count. */
const MIN_HITS = 5;
/** Below this many sessions no sample is taken: counting is quick. */
const SAMPLE_ABOVE = 50_000;

/** `budgetMs` and `maxRows` (EXACT_COUNT_MAX_ROWS) are for tests: what a large table does, on a small one. */
export async function countSessions(
  run: Run,
  filter: SessionFilter,
  {patient = false, budgetMs = patient ? PATIENT_BUDGET_MS : COUNT_BUDGET_MS, maxRows = EXACT_COUNT_MAX_ROWS}: CountOptions & {budgetMs?: number; maxRows?: number} = {},
): Promise<SessionCount> {
  await listingSettings(run);
  const conditions = sessionFilterSql(filter);
  if (!conditions.gin.length) {
    const {param, values} = sqlParams();
    const ordered = where(render(orderedSql(conditions), param));
    // In the listing's order, so that the planner goes down an index (only its entries are read) rather than the table.
    const counted = await boundedCount(run, `SELECT 1 FROM sessions s ${ordered} ORDER BY ${newestFirst()}`, values);
    if (counted <= EXACT_COUNT_LIMIT) return {value: counted, exact: true};
    return {value: Math.max(EXACT_COUNT_LIMIT + 1, Math.round(await planRows(run, `SELECT 1 FROM sessions s ${ordered}`, values))), exact: false};
  }

  const sessions = await estimatedSessions(run);
  if (conditions.url) Object.assign(conditions.url, await urlIndexConditions(run, conditions.url.needle, sessions));
  const indexes = await chooseIndexes(run, conditions);
  const rows = rowsToCheck(conditions, indexes);
  const {param, values} = sqlParams();
  const select = `SELECT 1 FROM sessions s ${where(render(throughIndexes(conditions, indexes.chosen), param))}`;
  // A small table is counted whatever it takes: quickly. A large one within the budget, or null.
  const countThroughIndexes = async () => {
    await avoidWalkingPlans(run);
    return sessions > SAMPLE_ABOVE ? withinBudget(run, budgetMs, () => boundedCount(run, select, values)) : boundedCount(run, select, values);
  };
  const estimate = async (counted: number | null) => {
    const {estimate} = await sample(run, filter, sessions);
    return {value: counted === null ? estimate : Math.max(EXACT_COUNT_LIMIT + 1, estimate), exact: false};
  };

  // Few sessions to reach: counted first; the sample only past 10,000.
  if (rows <= maxRows || sessions <= SAMPLE_ABOVE) {
    const counted = await countThroughIndexes();
    return counted !== null && counted <= EXACT_COUNT_LIMIT ? {value: counted, exact: true} : estimate(counted);
  }
  // Many: the sample first. Its estimate is given if there are surely more
  // than 10,000, or, unless patient, if it saw enough matches to be one
  // (counting would not end within the budget); else the count is tried: it
  // may be quick after all.
  const sampled = await sample(run, filter, sessions);
  if (sampled.pages >= surelyMoreThanTheLimit(sampled.share) || (!patient && sampled.hits >= MIN_HITS)) return {value: sampled.estimate, exact: false};
  const counted = await countThroughIndexes();
  if (counted === null) return {value: sampled.estimate, exact: false};
  return counted <= EXACT_COUNT_LIMIT ? {value: counted, exact: true} : {value: Math.max(EXACT_COUNT_LIMIT + 1, sampled.estimate), exact: false};
}

/**
 * How many sessions a count through the chosen indexes reaches, in the
 * measure of EXACT_COUNT_MAX_ROWS: those the most selective leads to (each
 * chosen index's bitmap is read whole, whatever the intersection leaves),
 * each weighing EXACT_COUNT_MAX_ROWS ÷ EXACT_COUNT_MAX_CHECKED_ROWS as much
 * when it must also be checked against a metadata, event or URL filter whose
 * index was not chosen (an ordered filter's check is arithmetic on the row
 * fetched anyway).
 */
function rowsToCheck(conditions: FilterSql, {chosen, rows}: ChosenIndexes): number {
  const checked = conditions.gin.some((gin) => !chosen.has(gin));
  return checked ? (rows * EXACT_COUNT_MAX_ROWS) / EXACT_COUNT_MAX_CHECKED_ROWS : rows;
}

/** The count, or null if it takes longer than `budgetMs` (the transaction goes on: a savepoint takes the cancelled statement back). */
async function withinBudget(run: Run, budgetMs: number, count: () => Promise<number>): Promise<number | null> {
  await run('SAVEPOINT counting');
  await run(`SELECT set_config('statement_timeout', '${Math.round(budgetMs)}', true)`);
  try {
    const counted = await count();
    await run('RELEASE SAVEPOINT counting');
    return counted;
  } catch (error) {
    // Cancelled at the statement timeout; anything else is an error.
    if (!isStatementTimeout(error)) throw error;
    await run('ROLLBACK TO SAVEPOINT counting');
    return null;
  }
}

/** Pages with a match that a sample of this share of the table shows only when more than EXACT_COUNT_LIMIT sessions match. */
function surelyMoreThanTheLimit(share: number): number {
  const expected = EXACT_COUNT_LIMIT * share;
  return Math.max(MIN_PAGES, Math.ceil(expected + 5 * Math.sqrt(expected)));
}

async function boundedCount(run: Run, select: string, values: unknown[]): Promise<number> {
  const {rows} = await run<{count: number}>(`SELECT count(*)::int AS count FROM (${select} LIMIT ${EXACT_COUNT_LIMIT + 1}) AS matching`, values);
  return rows[0].count;
}

/** The filter's rate on a sample of whole pages, times the table; on how many of those pages it matched; the share of the table sampled. */
async function sample(run: Run, filter: SessionFilter, sessions: number): Promise<{estimate: number; hits: number; pages: number; share: number}> {
  const {param, values} = sqlParams();
  const conditions = sessionFilterSql(filter);
  const matching = [...render(orderedSql(conditions), param), ...render(checks(conditions), param)].join(' AND ');
  const percent = param(Math.min(100, (100 * SAMPLE_ROWS) / sessions));
  // REPEATABLE: the same pages each time while the table stays as it is, so that a count does not wobble from one look to the next.
  const {rows} = await run<{rows: number; hits: number; pages: number}>(
    `SELECT count(*)::int AS rows, count(*) FILTER (WHERE ${matching})::int AS hits,
       count(DISTINCT (s.ctid::text::point)[0]) FILTER (WHERE ${matching})::int AS pages
     FROM sessions s TABLESAMPLE SYSTEM (${percent}) REPEATABLE (11)`,
    values,
  );
  const {rows: seen, hits, pages} = rows[0];
  return {estimate: seen ? Math.round((hits / seen) * sessions) : 0, hits, pages, share: seen / sessions};
}
