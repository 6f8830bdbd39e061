// The listing's filters (storage.ts `SessionFilter`) as SQL conditions on
// `sessions s`, sorted by how an index can answer them. listSessions.ts and
// countSessions.ts say how they are put together.
//
//   ordered  a btree index holds these sessions newest first (sessions_by_user,
//            sessions_with_problems, sessions_frustrated, sessions_by_project):
//            going down that index finds them in the listing's order. Each
//            also has a `check`: the same, in a form that no index answers,
//            for statements that go through other indexes, where the planner
//            would otherwise intersect their bitmap with the 1,800,000 entries
//            of sessions_with_problems (318 ms of a 350 ms statement, on
//            10,000,000 sessions)
//   gin      the others (metadata, custom event names, URLs), each with
//            `check`: exact, in a form that no index answers, checked on each
//            row a plan brings; and `index`: the conditions that lead to its
//            GIN index. Containment (@>) for metadata and event names, exact
//            themselves (no need of the check beside them); for the URL,
//            conditions every match meets, from urlIndexConditions.ts.
//            Metadata and event names also have a `tag`, whose btree index
//            (session_tags) holds their sessions newest first.
//
// A statement that goes through indexes asks for those it means to use
// (chooseIndexes.ts), and for no other: the planner's costs for GIN scans
// are far below what large ones take (a bitmap of 250,000 URL matches cost
// 126 ms, estimated as a tenth of a bitmap of 18,000 event matches that took
// 15 ms), and its estimates of URL substrings far off, so left to itself it
// intersects bitmaps it would do better to skip.
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
  /** How many sessions `index` leads to, when known better than the planner knows it (the URL's, from a sample). */
  rows?: number;
  /**
   * For metadata and event names: the filter's tag in session_tags
   * (migrations.ts, step 14), whose index holds its sessions newest first.
   * A superset: `check` is exact.
   */
  tag?: Condition;
}

export interface OrderedFilter {
  /** As its btree index is made (the partial indexes' predicates as they are written in migrations.ts). */
  sql: Condition;
  check: Condition;
}

export interface FilterSql {
  ordered: OrderedFilter[];
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
  const ordered: OrderedFilter[] = [];
  const gin: GinFilter[] = [];
  const userID = filter.userID;
  // IS NOT DISTINCT FROM, sums of counts (never negative) and array_position
  // mean the same as the index's forms, and no index answers them.
  if (userID !== undefined) ordered.push({sql: (param) => `s.user_id = ${param(userID)}`, check: (param) => `s.user_id IS NOT DISTINCT FROM ${param(userID)}`});
  if (filter.hasErrors) {
    ordered.push({
      sql: () => '(s.error_count > 0 OR s.console_error_count > 0 OR s.failed_request_count > 0)',
      check: () => 's.error_count + s.console_error_count + s.failed_request_count > 0',
    });
  }
  if (filter.frustrated) {
    ordered.push({
      sql: () => '(s.rage_click_count > 0 OR s.dead_click_count > 0 OR s.error_click_count > 0)',
      check: () => 's.rage_click_count + s.dead_click_count + s.error_click_count > 0',
    });
  }
  const projects = filter.projects;
  if (projects) {
    ordered.push({
      // One project is an equality, which its index answers in order; several, a bitmap.
      sql: (param) => (projects.length === 1 ? `s.project_key = ${param(projects[0])}` : `s.project_key = ANY (${param(projects)}::text[])`),
      check: (param) => `array_position(${param(projects)}::text[], s.project_key) IS NOT NULL`,
    });
  }
  for (const [key, value] of filter.meta ?? []) {
    gin.push({
      // Metadata values are strings (applySessionChange.ts): ->> equals exactly what @> {"key": "value"} matches.
      check: (param) => `s.metadata ->> ${param(key)} = ${param(value)}`,
      index: [(param) => `s.metadata @> ${param(JSON.stringify({[key]: value}))}::jsonb`],
      exact: true,
      tag: (param) => `session_tag('m', ${param(key)}::text, ${param(value)}::text)`,
    });
  }
  const event = filter.event;
  if (event !== undefined) {
    gin.push({
      check: (param) => `${param(event)} = ANY (s.event_names)`,
      index: [(param) => `s.event_names @> ARRAY[${param(event)}]::text[]`],
      exact: true,
      tag: (param) => `session_tag('e', ${param(event)}::text, '')`,
    });
  }
  const needle = filter.url;
  if (needle === undefined) return {ordered, gin};
  const url: GinFilter & {needle: string} = {check: (param: Param) => urlCheck(needle, param), index: [], exact: false, needle};
  gin.push(url);
  return {ordered, gin, url};
}

/** The ordered conditions as their indexes answer them. */
export const orderedSql = (filter: FilterSql) => filter.ordered.map((ordered) => ordered.sql);

/** The checks of every GIN filter: what a walk or a sample checks each row against. */
export const checks = (filter: FilterSql) => filter.gin.map((gin) => gin.check);

/**
 * What a statement that goes through the chosen filters' indexes asks for
 * (chooseIndexes.ts): their conditions as those indexes answer them, and
 * every other condition as a check.
 */
export const throughIndexes = (filter: FilterSql, chosen: Set<OrderedFilter | GinFilter>) => [
  ...filter.ordered.map((ordered) => (chosen.has(ordered) ? ordered.sql : ordered.check)),
  ...filter.gin.flatMap((gin) => (chosen.has(gin) ? [...gin.index, ...(gin.exact ? [] : [gin.check])] : [gin.check])),
];

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
export function keysetSql(query: Pick<SessionQuery, 'before' | 'cursor'>, param: Param, alias = 's'): string[] {
  const conditions: string[] = [];
  if (query.before !== undefined) conditions.push(`${alias}.started_at < ${param(query.before)}`);
  if (query.cursor) conditions.push(afterCursor(query.cursor, param, alias));
  return conditions;
}

export const afterCursor = (cursor: SessionCursor, param: Param, alias = 's') =>
  `(${alias}.started_at, ${alias}.session_id) < (${param(cursor.startedAt)}::bigint, ${param(cursor.sessionID)}::text)`;

export const where = (conditions: string[]) => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : '');

/** Newest first, as the listing shows them, for the table aliased `alias`. */
export const newestFirst = (alias = 's') => `${alias}.started_at DESC, ${alias}.session_id DESC`;
