// The listing's filters (storage.ts `SessionFilter`) as SQL conditions on
// `sessions s`, sorted by how an index can answer them. listSessions.ts and
// countSessions.ts say how they are put together.
//
//   ordered  a btree index holds these sessions newest first (sessions_by_user,
//            sessions_with_problems, sessions_frustrated, sessions_by_project):
//            going down that index finds them in the listing's order
//   gin      the others (metadata, custom event names, URLs), each with
//            `check`: exact, in a form that no index answers, checked on each
//            row a plan brings; and `index`: the conditions that lead to its
//            GIN index. Containment (@>) for metadata and event names, exact
//            themselves (no need of the check beside them); for the URL,
//            conditions every match meets, from urlIndexConditions.ts. A
//            statement asks for the indexes it means to use
//            (chooseIndexes.ts), and for no other: the planner's costs for
//            GIN scans are far below what large ones take (a bitmap of
//            250,000 URL matches cost 126 ms, estimated as a tenth of a
//            bitmap of 18,000 event matches that took 15 ms), so left to
//            itself it intersects bitmaps it would do better to skip.
//
// Each condition is made for a statement with that statement's parameters:
// a statement must use every parameter it is given.
//
// `hasErrors` counts all three kinds of trouble, as sessionMatches.ts does (it says why).
import type {SessionCursor, SessionFilter, SessionQuery} from '../storage';

/** Adds a value to the statement's parameters and answers its placeholder ($1, $2…). */
export type Param = (value: unknown) => string;

/** A condition on `sessions s`, written with the statement's parameters. */
export type Condition = (param: Param) => string;

export interface GinFilter {
  check: Condition;
  /** Empty for a URL until urlIndexConditions fills it (and when no index condition can be made). */
  index: Condition[];
  /** Whether `index` alone is the filter (else `check` goes with it). */
  exact: boolean;
}

export interface FilterSql {
  ordered: Condition[];
  gin: GinFilter[];
  /** The URL's entry of `gin`, if a URL is asked for. */
  url?: GinFilter & {needle: string};
}

/** A statement's parameters, numbered as they are added. */
export function sqlParams(): {param: Param; values: unknown[]} {
  const values: unknown[] = [];
  return {values, param: (value) => `$${values.push(value)}`};
}

/** The conditions, written for one statement. */
export const render = (conditions: Condition[], param: Param) => conditions.map((condition) => condition(param));

export function sessionFilterSql(filter: SessionFilter): FilterSql {
  const ordered: Condition[] = [];
  const gin: GinFilter[] = [];
  if (filter.userID !== undefined) ordered.push((param) => `s.user_id = ${param(filter.userID)}`);
  // Written as the partial indexes' predicates are (migrations.ts), so that the planner sees they hold.
  if (filter.hasErrors) ordered.push(() => '(s.error_count > 0 OR s.console_error_count > 0 OR s.failed_request_count > 0)');
  if (filter.frustrated) ordered.push(() => '(s.rage_click_count > 0 OR s.dead_click_count > 0 OR s.error_click_count > 0)');
  const projects = filter.projects;
  // One project is an equality, which its index answers in order; several, a bitmap.
  if (projects) ordered.push((param) => (projects.length === 1 ? `s.project_key = ${param(projects[0])}` : `s.project_key = ANY (${param(projects)}::text[])`));
  for (const [key, value] of filter.meta ?? []) {
    gin.push({
      // Metadata values are strings (applySessionChange.ts): ->> equals exactly what @> {"key": "value"} matches.
      check: (param) => `s.metadata ->> ${param(key)} = ${param(value)}`,
      index: [(param) => `s.metadata @> ${param(JSON.stringify({[key]: value}))}::jsonb`],
      exact: true,
    });
  }
  const event = filter.event;
  if (event !== undefined) {
    gin.push({check: (param) => `${param(event)} = ANY (s.event_names)`, index: [(param) => `s.event_names @> ARRAY[${param(event)}]::text[]`], exact: true});
  }
  const needle = filter.url;
  if (needle === undefined) return {ordered, gin};
  const url = {check: (param: Param) => urlCheck(needle, param), index: [], exact: false, needle};
  gin.push(url);
  return {ordered, gin, url};
}

/** The checks of every GIN filter: what a walk or a sample checks each row against. */
export const checks = (filter: FilterSql) => filter.gin.map((gin) => gin.check);

/** What a statement that goes through the chosen GIN filters' indexes asks for: their index conditions, and every check that they do not make. */
export const throughIndexes = (filter: FilterSql, chosen: GinFilter[]) =>
  filter.gin.flatMap((gin) => (chosen.includes(gin) ? [...gin.index, ...(gin.exact ? [] : [gin.check])] : [gin.check]));

/**
 * Whether any of the session's URLs contains the needle, ignoring case. On
 * the URLs joined by newlines, one ILIKE is exact for a needle without a
 * newline (a match cannot span two URLs), and cheaper than a look at each.
 */
function urlCheck(needle: string, param: Param): string {
  if (needle.includes('\n')) return `EXISTS (SELECT 1 FROM unnest(s.urls) AS u WHERE strpos(lower(u), lower(${param(needle)})) > 0)`;
  return `array_to_string(s.urls, E'\\n') ILIKE ${param(`%${escapeLike(needle)}%`)}`;
}

export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** The sessions after the page the query continues from: `before` (older clients), or the cursor. */
export function keysetSql(query: Pick<SessionQuery, 'before' | 'cursor'>, param: Param): string[] {
  const conditions: string[] = [];
  if (query.before !== undefined) conditions.push(`s.started_at < ${param(query.before)}`);
  if (query.cursor) conditions.push(afterCursor(query.cursor, param));
  return conditions;
}

export const afterCursor = (cursor: SessionCursor, param: Param) => `(s.started_at, s.session_id) < (${param(cursor.startedAt)}::bigint, ${param(cursor.sessionID)}::text)`;

export const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');

/** Newest first, as the listing shows them, for the table aliased `alias`. */
export const newestFirst = (alias = 's') => `${alias}.started_at DESC, ${alias}.session_id DESC`;
