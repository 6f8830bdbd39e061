// What leads the URL filter to the URL index (sessions_by_url, migrations.ts):
// conditions that every session whose URLs contain the needle meets, and
// that pg_trgm's GIN index answers; the exact check (sessionFilterSql.ts)
// then runs on the few rows they leave.
//
// The index holds the trigrams of `session_url_search_text(urls)`: the URLs
// joined by newlines, with the punctuation URLs are made of turned into
// letters (urlSearchText below does the same in JavaScript). pg_trgm takes
// trigrams within words only, and a word is letters and digits: on raw URLs
// "/checkout/step-9" would be looked up as "checkout" and "step", which
// every checkout matches, and the "9" would not count at all. Turned into
// "qcheckoutqstepx9", its trigrams span the slashes and the dash and the 9.
// Any substring of a URL, so turned, is a substring of its session's text:
// the index never misses a session (it may bring one that does not match,
// which the check drops).
//
// Which parts of the needle to look up: GIN intersects the posting lists of
// every trigram asked for, and pays for each frequent one on every candidate
// (the rarest list leads; each of the others is searched for each of its
// entries). "/product/4242" asked whole took 105 ms on 1,000,000 sessions,
// where "tq4242" alone took 7 ms: "product" is on most sessions. So a
// sample of the table (about 1,000 sessions, whole pages picked at random)
// tells which of the needle's trigrams are frequent, and the index is asked
// only for the runs of rare ones. A needle made of frequent trigrams alone
// is asked whole.
import {avoidWalkingPlans, isStatementTimeout, type Run} from './planner';
import {render, sqlParams, type Condition} from './sessionFilterSql';

// The same characters, to the same letters, as session_url_search_text in migrations.ts.
const REPLACEMENTS: Array<[string, string]> = [['/', 'q'], ['.', 'z'], ['-', 'x'], ['_', 'j'], ['?', 'k'], ['=', 'v'], ['&', 'w'], [':', 'y'], ['%', 'f']];

/** What session_url_search_text makes of a URL, lowercased (pg_trgm ignores case). */
export function urlSearchText(text: string): string {
  let out = text.toLowerCase();
  for (const [from, to] of REPLACEMENTS) out = out.split(from).join(to);
  return out;
}

/** Trigrams in at least this share of the sample are not asked of the index. */
const FREQUENT = 0.01;
const SAMPLE_ROWS = 1_000;
/** Below this many sessions, no sample: any lookup is quick. */
const SAMPLE_ABOVE = 20_000;
/** At most this many fragments are asked (the longest). */
const MAX_FRAGMENTS = 4;
/** Longer needles have their trigrams sampled up to this many. */
const MAX_TRIGRAMS = 48;

/** The parts of the needle worth asking the index for: runs of letters and digits of at least 3, once turned. */
export function urlWords(needle: string): string[] {
  return urlSearchText(needle)
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 3);
}

/**
 * The index conditions for a URL needle on a table of about `sessions`
 * rows: one ILIKE per fragment, on the indexed expression (empty when the
 * needle has no run of 3 letters or digits the index could use); and how
 * many sessions they lead to, from the sample (the planner's own estimate
 * knows a 100-value histogram of whole URL texts: "4242", in 0.04 % of the
 * sessions, came out at 67,000 of 10,000,000, which made it intersect that
 * bitmap with 1,800,000 others). Without a sample, none.
 */
export async function urlIndexConditions(run: Run, needle: string, sessions: number): Promise<{index: Condition[]; rows?: number}> {
  const words = urlWords(needle);
  if (!words.length) return {index: []};
  const toConditions = (fragments: string[]) =>
    fragments
      .sort((a, b) => b.length - a.length)
      .slice(0, MAX_FRAGMENTS)
      .map((fragment): [string, Condition] => [fragment, (param) => `session_url_search_text(s.urls) ILIKE ${param(`%${fragment}%`)}`]);
  if (sessions <= SAMPLE_ABOVE) return {index: toConditions(words).map(([, condition]) => condition)};
  const {sampled, hits} = await sampleTrigrams(run, words, sessions);
  const frequent = new Set([...hits].filter(([, count]) => count >= FREQUENT * sampled).map(([trigram]) => trigram));
  const chosen = toConditions(rareFragments(words, frequent));
  // Every match holds every trigram of every fragment: no more of them than of the rarest (one more, for those the sample missed).
  const rarest = Math.min(...chosen.flatMap(([fragment]) => trigramsOf(fragment).map((trigram) => hits.get(trigram) ?? Infinity)));
  const rows = Number.isFinite(rarest) ? Math.ceil((sessions * (rarest + 1)) / (sampled + 1)) : sessions;
  return {index: chosen.map(([, condition]) => condition), rows};
}

const trigramsOf = (word: string) => Array.from({length: Math.max(0, word.length - 2)}, (_, i) => word.slice(i, i + 3));

/** Runs of the words' trigrams that are not frequent, as the substrings they span; the words whole when every trigram is frequent. */
export function rareFragments(words: string[], frequent: Set<string>): string[] {
  const fragments: string[] = [];
  for (const word of words) {
    let start = -1;
    for (let i = 0; i <= word.length - 3; i++) {
      const rare = !frequent.has(word.slice(i, i + 3));
      if (rare && start < 0) start = i;
      if (!rare && start >= 0) {
        fragments.push(word.slice(start, i + 2));
        start = -1;
      }
    }
    if (start >= 0) fragments.push(word.slice(start));
  }
  return fragments.length ? fragments : words;
}

/** In how many sessions of a sample each trigram of the words is (up to MAX_TRIGRAMS of them), and how many were sampled. */
async function sampleTrigrams(run: Run, words: string[], sessions: number): Promise<{sampled: number; hits: Map<string, number>}> {
  const trigrams = [...new Set(words.flatMap(trigramsOf))].slice(0, MAX_TRIGRAMS);
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / sessions);
  // REPEATABLE: the same pages each time (while the table stays as it is), so one needle is looked up the same way.
  const {rows} = await run<{sampled: number; hits: number[]}>(
    // MATERIALIZED: each row's text is made once, not once per trigram.
    `WITH sample AS MATERIALIZED (SELECT lower(session_url_search_text(urls)) AS u FROM sessions TABLESAMPLE SYSTEM ($1) REPEATABLE (7))
     SELECT count(*)::int AS sampled, ARRAY[${trigrams.map((_, i) => `count(*) FILTER (WHERE strpos(u, $${i + 2}) > 0)`).join(', ')}]::int[] AS hits FROM sample`,
    [percent, ...trigrams],
  );
  const {sampled, hits} = rows[0];
  return {sampled, hits: new Map(trigrams.map((trigram, i) => [trigram, hits[i]]))};
}

/** What a count of the URL index's candidates may take: less than the walk it may spare (18 ms on 10,000,000 sessions). */
const CANDIDATES_BUDGET_MS = 10;

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

/**
 * How many sessions the URL's index conditions lead to, read off the index
 * itself, where the sample can only say "fewer than one in its thousand
 * sessions": on 10,000,000 sessions, 3,650 and 23,000 alike. A bitmap scan
 * builds its bitmap whole before it fetches a row, and EXPLAIN ANALYZE says
 * how many entries that bitmap held; the statement fetches one row. Undefined
 * when it would take longer than `budgetMs` (more of them than the sample
 * said), or when no bitmap of the index was made (an index still being built).
 */
export async function countUrlCandidates(run: Run, index: Condition[], budgetMs = CANDIDATES_BUDGET_MS): Promise<number | undefined> {
  if (!index.length) return undefined;
  const {param, values} = sqlParams();
  // The settings, and a cancelled statement, end with the savepoint: the transaction goes on as it was.
  await run('SAVEPOINT url_candidates');
  try {
    await run(`SELECT set_config('statement_timeout', '${Math.round(budgetMs)}', true)`);
    await avoidWalkingPlans(run);
    const {rows} = await run<{'QUERY PLAN': Array<{Plan: PlanNode}>}>(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1 FROM sessions s WHERE ${render(index, param).join(' AND ')} LIMIT 1`,
      values,
    );
    return bitmapEntries(rows[0]['QUERY PLAN'][0].Plan);
  } catch (error) {
    if (!isStatementTimeout(error)) throw error;
    return undefined;
  } finally {
    await run('ROLLBACK TO SAVEPOINT url_candidates');
  }
}

/** The entries of the plan's bitmap: of its index scan, or at most the fewest of those it intersects. */
function bitmapEntries(node: PlanNode): number | undefined {
  if (node['Node Type'] === 'Bitmap Index Scan') return node['Actual Rows'];
  const below = (node.Plans ?? []).map(bitmapEntries).filter((entries): entries is number => entries !== undefined);
  if (!below.length) return undefined;
  return node['Node Type'] === 'BitmapAnd' ? Math.min(...below) : below.reduce((sum, entries) => sum + entries, 0);
}
