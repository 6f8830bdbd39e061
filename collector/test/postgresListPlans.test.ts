// The listing and its count on 200,000 sessions in PostgreSQL (made inside
// the database: storage/test/seedSessions.ts): for each filter, matching
// and not, alone and combined, every statement that listSessions and
// countSessions run is explained, and none reads the sessions table from
// end to end (a Seq Scan); the index the filter needs is used; and the
// sessions and the count are those that the file backend's own filter
// (sessionMatches) finds among all of them.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {EXACT_COUNT_LIMIT, type SessionCursor, type SessionFilter} from '../storage/storage';
import {countSessions} from '../storage/postgres/countSessions';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {listSessions} from '../storage/postgres/listSessions';
import {migrate} from '../storage/postgres/migrate';
import {MIGRATIONS} from '../storage/postgres/migrations';
import type {Run} from '../storage/postgres/planner';
import {toSession} from '../storage/postgres/sessionRow';
import {countUrlCandidates, urlIndexConditions, urlSearchText} from '../storage/postgres/urlIndexConditions';
import {render, sqlParams} from '../storage/postgres/sessionFilterSql';
import type {BlobStore} from '../storage/s3/blobStore';
import {sessionMatches} from '../storage/sessionMatches';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';
import {SEEDED, seededUser, seedSessionsSql} from '../storage/test/seedSessions';
import type {Session} from '../storage/types';

const TOTAL = 200_000;
const noBlobs: BlobStore = {put: async () => {}, get: async () => Buffer.from('[]'), getRange: async () => Buffer.from('[]'), deleteKeys: async () => {}, deletePrefix: async () => {}, close() {}};

// Each filter, and the indexes its statements must use between them (a|b:
// either, where the planner's estimate, from a random sample, puts the
// filter near the line between walking and going through the indexes).
const CASES: Array<[string, SessionFilter, string[]]> = [
  ['no filter', {}, ['sessions_by_start']],
  ['hasErrors', {hasErrors: true}, ['sessions_with_problems']],
  ['frustrated', {frustrated: true}, ['sessions_frustrated']],
  ['a user with sessions', {userID: seededUser(TOTAL)}, ['sessions_by_user']],
  ['a user without', {userID: SEEDED.missingUser}, ['sessions_by_user']],
  ['a project', {projects: ['docs']}, ['sessions_by_project']],
  ['common metadata', {meta: [SEEDED.commonMeta]}, ['sessions_by_start']],
  ['metadata of the oldest sessions only', {meta: [SEEDED.oldMeta]}, ['session_tags_pkey|sessions_by_metadata']],
  ['rare metadata', {meta: [SEEDED.rareMeta(TOTAL)]}, ['sessions_by_metadata']],
  ['metadata nobody has', {meta: [SEEDED.missingMeta]}, ['sessions_by_metadata']],
  ['a common event', {event: SEEDED.commonEvent}, ['session_tags_pkey']],
  ['a rare event', {event: SEEDED.rareEvent}, ['sessions_by_event_name']],
  ['an event nobody sent', {event: SEEDED.missingEvent}, ['sessions_by_event_name']],
  ['a common URL', {url: SEEDED.commonUrl}, ['sessions_by_start']],
  ['a rare URL', {url: SEEDED.rareUrl}, ['sessions_by_url']],
  ['a URL nobody visited', {url: SEEDED.missingUrl}, ['sessions_by_url']],
  ['URL and errors', {url: SEEDED.commonUrl, hasErrors: true}, ['sessions_with_problems']],
  ['a rare URL and errors', {url: SEEDED.rareUrl, hasErrors: true}, ['sessions_by_url']],
  ['a rare event and a common URL', {event: SEEDED.rareEvent, url: SEEDED.commonUrl}, ['sessions_by_event_name']],
  ['metadata, event and URL, none rare', {meta: [SEEDED.commonMeta], event: 'coupon-applied', url: '/cart'}, ['session_tags_pkey']],
  ['a user and a URL', {userID: seededUser(TOTAL), url: '/product/'}, ['sessions_by_user']],
  ['a project and rare metadata', {projects: ['docs'], meta: [SEEDED.rareMeta(TOTAL)]}, ['sessions_by_metadata']],
];

interface Plan {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: Plan[];
}

const nodes = (plan: Plan): Plan[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe('the listing on 200,000 sessions: PostgreSQL', {skip: skipWithoutPostgres()}, () => {
  let cluster: PostgresCluster;
  let db: pg.Pool;
  // The seeded sessions as the file backend's filter sees them, newest first.
  let all: Session[];

  before(async () => {
    cluster = await startPostgresCluster();
    const database = await cluster.createDatabase();
    db = new pg.Pool({connectionString: database, max: 2});
    db.on('error', () => {});
    // The rows first, the indexes after: as on a database that had them before this version.
    await migrate(db, () => {}, MIGRATIONS.filter((migration) => migration.version <= 5));
    for (const statement of seedSessionsSql({count: TOTAL})) await db.query(statement.text, statement.values);
    await (await createPostgresStorage({connectionString: database, blobs: noBlobs})).close();
    await db.query('VACUUM sessions');
    const {rows} = await db.query('SELECT * FROM sessions ORDER BY started_at DESC, session_id DESC');
    all = rows.map(toSession);
  });
  after(async () => {
    await db?.end();
    await cluster?.stop();
  });

  /** Runs `work` in a read-only transaction as the storage does, and keeps every statement it ran. */
  async function recorded<T>(work: (run: Run) => Promise<T>): Promise<{result: T; statements: Array<{text: string; values: unknown[]}>}> {
    const client = await db.connect();
    const statements: Array<{text: string; values: unknown[]}> = [];
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const run: Run = (text, values = []) => {
        statements.push({text, values});
        return client.query(text, values);
      };
      const result = await work(run);
      await client.query('COMMIT');
      return {result, statements};
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  /** The plans of the statements, explained in order in one transaction (the settings they make included). */
  async function plans(statements: Array<{text: string; values: unknown[]}>): Promise<Plan[]> {
    const client = await db.connect();
    const found: Plan[] = [];
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const {text, values} of statements) {
        if (/^EXPLAIN/.test(text)) continue;
        // Settings and savepoints are made as they were; queries are explained.
        if (/set_config|SAVEPOINT/.test(text)) {
          await client.query(text, values);
          continue;
        }
        const {rows} = await client.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
        found.push(rows[0]['QUERY PLAN'][0].Plan);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    return found;
  }

  for (const [name, filter, expectedIndexes] of CASES) {
    test(`${name}: no statement scans the sessions table, and the sessions and the count are right`, async () => {
      const listed = await recorded((run) => listSessions(run, {...filter, limit: 100}));
      // Time is not under test: the count's budget is lifted, so that it is exact wherever it can be.
      const counted = await recorded((run) => countSessions(run, filter, {budgetMs: 60_000}));
      const explained = (await plans([...listed.statements, ...counted.statements])).flatMap(nodes);
      const scans = explained.filter((node) => node['Node Type'] === 'Seq Scan' && ['sessions', 'session_tags'].includes(node['Relation Name']!));
      assert.deepEqual(scans, [], 'no sequential scan of sessions or of their tags');
      const used = new Set(explained.map((node) => node['Index Name']).filter(Boolean));
      for (const index of expectedIndexes) assert.ok(index.split('|').some((name) => used.has(name)), `${index} is used (used: ${[...used].join(', ')})`);

      const matching = all.filter((session) => sessionMatches(session, filter));
      assert.deepEqual(
        listed.result.map((row) => row.session_id),
        matching.slice(0, 100).map((session) => session.sessionID),
      );
      if (matching.length <= EXACT_COUNT_LIMIT) {
        assert.deepEqual(counted.result, {value: matching.length, exact: true});
      } else {
        assert.equal(counted.result.exact, false);
        assert.ok(counted.result.value > EXACT_COUNT_LIMIT);
        // An estimate: within a third of the truth on this table.
        assert.ok(Math.abs(counted.result.value - matching.length) < matching.length / 3, `estimated ${counted.result.value}, truly ${matching.length}`);
      }
    });
  }

  test('a count that cannot end within its budget gives the sample\'s estimate, said to be one, and the transaction goes on', async () => {
    const filter: SessionFilter = {url: SEEDED.commonUrl, hasErrors: true};
    const truly = all.filter((session) => sessionMatches(session, filter)).length;
    assert.ok(truly <= EXACT_COUNT_LIMIT, 'a count that could be exact');
    const {result, statements} = await recorded(async (run) => {
      const count = await countSessions(run, filter, {budgetMs: 1});
      // The cancelled statement was taken back: the transaction still answers.
      await run('SELECT 1');
      return count;
    });
    assert.equal(result.exact, false);
    assert.ok(Math.abs(result.value - truly) < truly / 2, `estimated ${result.value}, truly ${truly}`);
    assert.ok(statements.some((statement) => statement.text === 'ROLLBACK TO SAVEPOINT counting'), 'the count was tried, and cancelled');
  });

  test('filters each common and together rare: the count is estimated to spare the page, and exact when patient', async () => {
    // 30 %, 2 % and 25 % of the sessions, 0.15 % together. On 1,000,000
    // sessions the rarest one's 20,000 sessions are too many to check within
    // the listing's time; here its 4,000 are, so the bound is lowered to match.
    const filter: SessionFilter = {meta: [SEEDED.commonMeta], event: 'coupon-applied', url: '/cart'};
    const truly = all.filter((session) => sessionMatches(session, filter)).length;
    assert.ok(truly > 0 && truly <= EXACT_COUNT_LIMIT);
    const quick = await recorded((run) => countSessions(run, filter, {maxRows: 1_000}));
    assert.equal(quick.result.exact, false, 'estimated: the sample saw enough matches');
    const patient = await recorded((run) => countSessions(run, filter, {maxRows: 1_000, patient: true}));
    assert.deepEqual(patient.result, {value: truly, exact: true});
  });

  test('a cursor from deep in the walk continues through the indexes with no session lost or repeated', async () => {
    // Rare enough that each page needs the indexes, common enough for several pages.
    const filter: SessionFilter = {meta: [SEEDED.rareMeta(TOTAL)]};
    const expected = all.filter((session) => sessionMatches(session, filter)).map((session) => session.sessionID);
    const seen: string[] = [];
    let cursor: SessionCursor | undefined;
    for (;;) {
      const {result} = await recorded((run) => listSessions(run, {...filter, limit: 37, cursor}));
      if (!result.length) break;
      seen.push(...result.map((row) => row.session_id));
      const last = result[result.length - 1];
      cursor = {startedAt: Number(last.started_at), sessionID: last.session_id};
    }
    assert.deepEqual(seen, expected);
  });

  test("a URL's candidates are counted off its index, and the transaction goes on as it was", async () => {
    const settings = "SELECT current_setting('enable_seqscan') AS seqscan, current_setting('enable_indexscan') AS indexscan, current_setting('statement_timeout') AS timeout";
    const {result} = await recorded(async (run) => {
      const before = (await run(settings)).rows[0];
      const {index} = await urlIndexConditions(run, SEEDED.rareUrl, TOTAL);
      const counted = await countUrlCandidates(run, index);
      return {before, after: (await run(settings)).rows[0], counted, index};
    });
    assert.deepEqual(result.after, result.before);
    // The index's candidates: the sessions whose URL text holds every trigram of every fragment asked.
    const {param, values} = sqlParams();
    render(result.index, param);
    const trigrams = (values as string[]).flatMap((pattern) => {
      const fragment = pattern.slice(1, -1);
      return Array.from({length: fragment.length - 2}, (_, i) => fragment.slice(i, i + 3));
    });
    assert.ok(trigrams.length, 'the rare URL is asked of its index');
    const {rows} = await db.query(
      `SELECT count(*)::int AS count FROM sessions WHERE ${trigrams.map((_, i) => `strpos(lower(session_url_search_text(urls)), $${i + 1}) > 0`).join(' AND ')}`,
      trigrams,
    );
    assert.ok(rows[0].count > 0);
    assert.equal(result.counted, rows[0].count);
  });

  test("a count of a URL's candidates that would take longer than its budget gives up, and the transaction goes on as it was", async () => {
    const {result, statements} = await recorded(async (run) => {
      // On most sessions: its bitmap takes milliseconds to build.
      const {index} = await urlIndexConditions(run, '/product/', TOTAL);
      const counted = await countUrlCandidates(run, index, 1);
      return {counted, timeout: (await run("SELECT current_setting('statement_timeout') AS timeout")).rows[0].timeout};
    });
    assert.equal(result.counted, undefined);
    assert.equal(result.timeout, '0');
    assert.ok(statements.some((statement) => statement.text === 'ROLLBACK TO SAVEPOINT url_candidates'));
  });

  test('the URL index holds what urlSearchText says it does', async () => {
    const urls = ['https://Shop.example/Checkout/step-9?Coupon=A_B&x=%20:1', 'http://a.test/p/42#top'];
    const {rows} = await db.query('SELECT lower(session_url_search_text($1::text[])) AS text', [urls]);
    assert.equal(rows[0].text, urls.map(urlSearchText).join('\n'));
  });
});
