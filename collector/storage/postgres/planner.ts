// What the listing (listSessions.ts, countSessions.ts) asks of PostgreSQL's
// planner, and tells it, besides its statements.
import type {QueryResult, QueryResultRow} from 'pg';

/** Runs one statement; the listing's statements run in one read-only transaction. */
export type Run = <R extends QueryResultRow = Record<string, any>>(text: string, values?: unknown[]) => Promise<QueryResult<R>>;

/** How many rows the planner expects a statement to return (its statistics; nothing is read). */
export async function planRows(run: Run, text: string, values: unknown[] = []): Promise<number> {
  const {rows} = await run<{'QUERY PLAN': Array<{Plan: {'Plan Rows': number}}>}>(`EXPLAIN (FORMAT JSON) ${text}`, values);
  return rows[0]['QUERY PLAN'][0].Plan['Plan Rows'];
}

/** The planner's idea of how many sessions there are: pg_class's count, scaled to the table's size now. */
export const estimatedSessions = (run: Run) => planRows(run, 'SELECT 1 FROM sessions');

/**
 * For the rest of the transaction, set first. No JIT compilation: its cost
 * is planned from the statement's estimated cost, which a bitmap over
 * 200,000 rows makes large, and it spent 3 of the 5.6 s such a statement
 * took on 10,000,000 sessions, for statements that run in milliseconds.
 * And more memory for bitmaps and sorts than the default 4 MB, in which the
 * bitmap of those 200,000 rows went lossy (whole pages, each of its rows
 * checked again: 748,000 rows read for 15,000).
 */
export async function listingSettings(run: Run): Promise<void> {
  await run("SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)");
}

/**
 * For the rest of the transaction: only plans that reach rows through
 * indexes (bitmap scans, index-only scans), for statements that the rows
 * already seen show to match few sessions. No index at all (one still being
 * built) still falls back to reading the table: slow, never wrong.
 */
export async function avoidWalkingPlans(run: Run): Promise<void> {
  await run("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)");
}

/** Whether a statement was cancelled at its statement_timeout (57014; the storage wraps it as StorageUnavailable). */
export function isStatementTimeout(error: unknown): boolean {
  const code = ((error as Error).cause as {code?: string} | undefined)?.code ?? (error as {code?: string}).code;
  return code === '57014';
}
