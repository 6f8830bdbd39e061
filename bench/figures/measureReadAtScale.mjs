// Figure 12: the read side at scale. GET /api/sessions with each filter, and
// some together, matching and not, timed through the collector's API:
//
// (a) PostgreSQL with 1,000,000 and 10,000,000 sessions (BENCH_READ_SCALES),
//     made inside the database (collector/storage/test/seedSessions.ts: one
//     INSERT … SELECT over generate_series per million) into the schema as it
//     was before the listing's indexes (migration 5), then brought to the
//     current schema as a collector does at start-up: the indexes are built
//     on the rows (CREATE INDEX CONCURRENTLY), and that is timed too. The
//     cluster is the tests' throwaway one (collector/storage/test/
//     postgresCluster.ts), on this machine. A collector runs on it (the
//     object store is never asked: listing reads no event).
// (b) The embedded file backend with 100,000 sessions: the same generator's
//     rows written as the collector keeps them (sessions/<id>/session.json),
//     then the collector started on them: the time until it listens, its
//     RSS (and an empty collector's), and the same filters.
//
// Each case is asked as the viewer's first page (limit=100&count=1) and as
// a page alone (limit=100, as API clients and "Older sessions" ask), and,
// where the count came as an estimate, as the viewer's exact count that
// follows (limit=1&count=exact), in turns over the cases (one round of
// warm-up dropped), BENCH_READ_REPS times;
// p50 and p95 of the wall time at the client. Then the statements the
// listing and its count run are explained with EXPLAIN (ANALYZE, BUFFERS)
// (kept in the details, read in bench/NOTES.md).
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync} from 'node:fs';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import pg from 'pg';
import {loadStorageModules} from '../lib/loadStorageModules.mjs';
import {ADMIN_HEADERS, ADMIN_KEY, COLLECTOR_SCRIPT, startCollector} from '../lib/startCollector.mjs';
import {percentile} from './measureLive.mjs';

const CHUNK = 1_000_000;
const GOAL_MS = {postgres: 100, files: 50};

/**
 * --read-scales 1000000,10000000 | BENCH_READ_SCALES (0: the file backend alone); --read-reps N | BENCH_READ_REPS;
 * --file-sessions N | BENCH_FILE_SESSIONS; --pg-shared-buffers SIZE | BENCH_PG_SHARED_BUFFERS (PostgreSQL's
 * own default, 128MB, unless given).
 */
function readSettings(argv, env, smoke) {
  const flag = (name) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const numbers = (text) => text.split(',').map((part) => Number(part.trim())).filter((n) => Number.isInteger(n) && n > 0);
  const scales = flag('read-scales') ?? env.BENCH_READ_SCALES;
  return {
    scales: scales ? numbers(scales) : smoke ? [20_000] : [1_000_000, 10_000_000],
    reps: Number(flag('read-reps') ?? env.BENCH_READ_REPS ?? (smoke ? 2 : 40)),
    fileSessions: Number(flag('file-sessions') ?? env.BENCH_FILE_SESSIONS ?? (smoke ? 5_000 : 100_000)),
    sharedBuffers: flag('pg-shared-buffers') ?? env.BENCH_PG_SHARED_BUFFERS ?? null,
  };
}

/** The filters timed, for a seed of `total` sessions, with the share of sessions each matches in the seed. */
function cases(total, {SEEDED, seededUser}) {
  return [
    ['no filter', {}],
    ['hasErrors (18 %)', {hasErrors: true}],
    ['frustrated (7 %)', {frustrated: true}],
    ['userID, a user with sessions', {userID: seededUser(total)}],
    ['userID, no such user', {userID: SEEDED.missingUser}],
    ['meta plan:pro (30 %)', {meta: [SEEDED.commonMeta]}],
    ['meta tenant (0.1 %)', {meta: [SEEDED.rareMeta(total)]}],
    ['meta release:r0 (the oldest 2 % only)', {meta: [SEEDED.oldMeta]}],
    ['meta, no match', {meta: [SEEDED.missingMeta]}],
    ['event checkout-started (10 %)', {event: SEEDED.commonEvent}],
    ['event refund-requested (0.05 %)', {event: SEEDED.rareEvent}],
    ['event, no match', {event: SEEDED.missingEvent}],
    ['url /checkout (10 %)', {url: SEEDED.commonUrl}],
    ['url /product/4242 (0.01 %)', {url: SEEDED.rareUrl}],
    ['url /checkout/step-9, no match', {url: SEEDED.missingUrl}],
    ['hasErrors + url /checkout', {hasErrors: true, url: SEEDED.commonUrl}],
    ['hasErrors + url /product/4242', {hasErrors: true, url: SEEDED.rareUrl}],
    ['event refund-requested + url /checkout', {event: SEEDED.rareEvent, url: SEEDED.commonUrl}],
    ['meta plan:pro + event coupon-applied + url /cart', {meta: [SEEDED.commonMeta], event: 'coupon-applied', url: '/cart'}],
    ['userID + url /product/', {userID: seededUser(total), url: '/product/'}],
  ].map(([name, filter]) => ({name, filter, query: queryOf(filter)}));
}

function queryOf(filter) {
  const params = new URLSearchParams();
  if (filter.userID !== undefined) params.set('userID', filter.userID);
  for (const [key, value] of filter.meta ?? []) params.append('meta', `${key}:${value}`);
  if (filter.hasErrors) params.set('hasErrors', '1');
  if (filter.frustrated) params.set('frustrated', '1');
  if (filter.url !== undefined) params.set('url', filter.url);
  if (filter.event !== undefined) params.set('event', filter.event);
  return params.toString();
}

const countText = (count) => `${count.value.toLocaleString('en-US')}${count.exact ? '' : ' (estimate)'}`;

async function sql(database, text, values = []) {
  const client = new pg.Client({connectionString: database});
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

// The rows at migration 5, then the rest of the migrations as a collector runs them.
async function seedDatabase(modules, database, total, progress) {
  const pool = new pg.Pool({connectionString: database, max: 1});
  try {
    await modules.migrate(pool, () => {}, modules.MIGRATIONS.filter((migration) => migration.version <= 5));
    const began = Date.now();
    for (let from = 0; from < total; from += CHUNK) {
      for (const statement of modules.seedSessionsSql({from, count: Math.min(CHUNK, total - from), total})) await pool.query(statement.text, statement.values);
      progress(`read at scale: ${Math.min(total, from + CHUNK).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} sessions made`);
    }
    await pool.query('VACUUM ANALYZE sessions');
    await pool.query('VACUUM ANALYZE pages');
    const seedSeconds = (Date.now() - began) / 1000;
    const steps = [];
    const migrated = Date.now();
    await modules.migrate(pool, (line) => {
      steps.push(line);
      progress(`read at scale: ${line}`);
    });
    const migrationSeconds = (Date.now() - migrated) / 1000;
    const [sizes] = (
      await pool.query(`SELECT pg_total_relation_size('sessions') AS sessions, pg_relation_size('sessions') AS heap, pg_total_relation_size('pages') AS pages,
        pg_relation_size('session_tags') AS tags_heap, pg_total_relation_size('session_tags') AS tags,
        (SELECT json_object_agg(indexrelid::regclass::text, pg_relation_size(indexrelid)) FROM pg_index WHERE indrelid = 'sessions'::regclass) AS indexes`)
    ).rows;
    return {seedSeconds, migrationSeconds, steps, sizes};
  } finally {
    await pool.end();
  }
}

async function get(url, path) {
  const began = performance.now();
  const response = await fetch(`${url}${path}`, {headers: ADMIN_HEADERS});
  const json = await response.json();
  const ms = performance.now() - began;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return {ms, json};
}

// In turns over the cases, each as the viewer's first page and as a page
// alone; the first round is warm-up. The answer shown is the last round's
// (the cache warm), and the first round's count too where it differs: a
// count that runs out of its budget on a cold cache gives the estimate.
async function timeCases(url, list, reps, progress, label) {
  const times = list.map(() => ({withCount: [], alone: [], exactCount: []}));
  const answers = list.map(() => null);
  const exactCounts = list.map(() => null);
  const coldCounts = list.map(() => null);
  for (let round = 0; round <= reps; round++) {
    for (const [i, {query}] of list.entries()) {
      const first = await get(url, `/api/sessions?limit=100&count=1&${query}`);
      const alone = await get(url, `/api/sessions?limit=100&${query}`);
      // As the viewer does once the page shows an estimate.
      const exact = first.json.count?.exact === false ? await get(url, `/api/sessions?limit=1&count=exact&${query}`) : null;
      answers[i] = {listed: first.json.sessions.length, count: first.json.count};
      if (exact) exactCounts[i] = exact.json.count;
      if (round === 0) {
        coldCounts[i] = first.json.count;
        continue;
      }
      times[i].withCount.push(first.ms);
      times[i].alone.push(alone.ms);
      if (exact) times[i].exactCount.push(exact.ms);
    }
    if (round % 10 === 0) progress(`read at scale (${label}): round ${round} of ${reps}`);
  }
  return list.map((item, i) => ({
    name: item.name,
    query: item.query,
    ...answers[i],
    coldCount: coldCounts[i],
    firstPage: {p50: percentile(times[i].withCount, 50), p95: percentile(times[i].withCount, 95), samples: times[i].withCount},
    pageAlone: {p50: percentile(times[i].alone, 50), p95: percentile(times[i].alone, 95), samples: times[i].alone},
    ...(times[i].exactCount.length && {
      exactCount: {count: exactCounts[i], p50: percentile(times[i].exactCount, 50), p95: percentile(times[i].exactCount, 95), samples: times[i].exactCount},
    }),
  }));
}

// The statements the storage runs for a case, replayed under EXPLAIN (ANALYZE, BUFFERS) in one transaction.
async function explainCase(modules, database, filter) {
  const client = new pg.Client({connectionString: database});
  await client.connect();
  try {
    const statements = [];
    const run = (text, values = []) => {
      statements.push({text, values});
      return client.query(text, values);
    };
    for (const work of [(r) => modules.listSessions(r, {...filter, limit: 101}), (r) => modules.countSessions(r, filter)]) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await work(run);
      await client.query('COMMIT');
      statements.push(null);
    }
    const explained = [];
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const statement of statements) {
      if (statement === null) {
        await client.query('COMMIT');
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        continue;
      }
      const {text, values} = statement;
      // The count's time budget is left out: the plan shows what counting exactly would cost.
      if (/statement_timeout/.test(text)) continue;
      if (/^EXPLAIN/.test(text) || /set_config|SAVEPOINT/.test(text)) {
        await client.query(text, values);
        explained.push({statement: text.replace(/\s+/g, ' ').slice(0, 160), values});
        continue;
      }
      const {rows} = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
      explained.push({statement: text.replace(/\s+/g, ' ').slice(0, 160), values, plan: rows.map((row) => row['QUERY PLAN'])});
    }
    await client.query('COMMIT');
    return explained;
  } finally {
    await client.end();
  }
}

// As startCollector.mjs starts it, but timed, and given as long as loading takes (100,000 session.json files may take more than its 10 s).
async function startTimedCollector(dataDir) {
  const began = performance.now();
  const child = spawn(process.execPath, [COLLECTOR_SCRIPT, '--port', '0', '--data', dataDir], {env: {...process.env, TRACKER_ADMIN_KEY: ADMIN_KEY}, stdio: ['ignore', 'pipe', 'pipe']});
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the collector did not start within 300 s:\n${output}`)), 300_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the collector exited with ${code}:\n${output}`));
    });
  });
  const startMs = performance.now() - began;
  return {
    url,
    pid: child.pid,
    startMs,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function rssMB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return null;
  }
}

const fmt = (ms) => (ms === null ? '?' : ms < 10 ? ms.toFixed(1) : ms.toFixed(0));

function caseRows(label, measured, goal) {
  return measured.map((item) => ({
    metric: `${label} · ${item.name}: viewer's first page (with count), p95`,
    unit: 'ms',
    baseline: null,
    value: item.firstPage.p95,
    goal: {valueMax: goal},
    note:
      `p50 ${fmt(item.firstPage.p50)} ms · page alone p50 ${fmt(item.pageAlone.p50)}, p95 ${fmt(item.pageAlone.p95)} ms · ${item.listed} listed` +
      (item.count ? ` · count ${countText(item.count)}` : '') +
      (item.coldCount && countText(item.coldCount) !== countText(item.count) ? ` (first round, cache cold: ${countText(item.coldCount)})` : '') +
      (item.exactCount ? ` · then count=exact ${countText(item.exactCount.count)} in p50 ${fmt(item.exactCount.p50)}, p95 ${fmt(item.exactCount.p95)} ms` : ''),
  }));
}

// The seeded sessions as the file backend keeps them: one session.json each.
async function writeFileSessions(database, dataDir) {
  const client = new pg.Client({connectionString: database});
  await client.connect();
  let written = 0;
  try {
    const {rows} = await client.query(`SELECT s.*, p.url AS page_url, p.event_count AS page_events FROM sessions s JOIN pages p ON p.session_id = s.session_id AND p.page_id = 1`);
    const sessions = join(dataDir, 'sessions');
    for (let i = 0; i < rows.length; i += 64) {
      await Promise.all(
        rows.slice(i, i + 64).map(async (row) => {
          const startedAt = Number(row.started_at);
          const session = {
            sessionID: row.session_id,
            projectKey: row.project_key,
            userID: row.user_id,
            userUUID: row.user_uuid,
            metadata: row.metadata,
            startedAt,
            lastActivityAt: Number(row.last_activity_at),
            firstEventAt: Number(row.first_event_at),
            lastEventAt: Number(row.last_event_at),
            customEventCount: Number(row.custom_event_count),
            vitals: {},
            assistOnly: false,
            errorCount: Number(row.error_count),
            consoleErrorCount: Number(row.console_error_count),
            failedRequestCount: Number(row.failed_request_count),
            rageClickCount: Number(row.rage_click_count),
            deadClickCount: Number(row.dead_click_count),
            errorClickCount: Number(row.error_click_count),
            trigger: null,
            urls: row.urls,
            eventNames: row.event_names,
            pages: [{pageID: 1, url: row.page_url, referrer: '', startedAt, eventCount: Number(row.page_events)}],
          };
          const dir = join(sessions, session.sessionID);
          await mkdir(join(dir, '1'), {recursive: true});
          await writeFile(join(dir, 'session.json'), JSON.stringify(session));
          written++;
        }),
      );
    }
  } finally {
    await client.end();
  }
  // As after a clean stop: start-up trusts the records and recounts nothing.
  await writeFile(join(dataDir, 'clean-shutdown'), '');
  return written;
}

export async function measureReadAtScale({options, progress, tmp}) {
  const settings = readSettings(process.argv.slice(2), process.env, options.smoke);
  const modules = await loadStorageModules(tmp);
  const rows = [];
  const details = {settings, postgres: {}, files: null};
  if (!modules.findPostgresBinaries()) {
    rows.push({metric: 'read at scale', unit: null, baseline: null, value: null, note: 'not measured: PostgreSQL is not installed (the file backend\'s sessions come from the same generator)'});
    return {rows, details};
  }
  const cluster = await modules.startPostgresCluster({settings: settings.sharedBuffers ? {shared_buffers: settings.sharedBuffers} : {}});
  const env = {...process.env, TRACKER_SECRET: 'bench-secret', AWS_ACCESS_KEY_ID: 'unused', AWS_SECRET_ACCESS_KEY: 'unused', AWS_REGION: 'us-east-1'};
  try {
    for (const total of settings.scales) {
      const label = `PostgreSQL${settings.sharedBuffers ? ` (shared_buffers ${settings.sharedBuffers})` : ''}, ${total.toLocaleString('en-US')} sessions`;
      const database = await cluster.createDatabase();
      const seeded = await seedDatabase(modules, database, total, progress);
      rows.push({
        metric: `${label}: made inside the database, then its indexes built by the migration`,
        unit: null,
        baseline: null,
        value: null,
        note: `${seeded.seedSeconds.toFixed(0)} s to make, ${seeded.migrationSeconds.toFixed(0)} s to migrate · table ${(seeded.sizes.heap / 2 ** 30).toFixed(2)} GiB, with indexes ${(seeded.sizes.sessions / 2 ** 30).toFixed(2)} GiB · session tags ${(seeded.sizes.tags_heap / 2 ** 30).toFixed(2)} GiB, with their index ${(seeded.sizes.tags / 2 ** 30).toFixed(2)} GiB`,
      });
      // The object store is never asked: a listing reads no event.
      const collector = await startCollector({
        dataDir: join(tmp, `read-${total}`),
        args: ['--database', database, '--blobs', 's3://bench/read', '--s3-endpoint', 'http://127.0.0.1:9'],
        env,
      });
      let measured;
      try {
        measured = await timeCases(collector.url, cases(total, modules), settings.reps, progress, label);
      } finally {
        await collector.stop();
      }
      progress(`read at scale (${label}): EXPLAIN (ANALYZE, BUFFERS) of every statement`);
      for (const item of measured) item.explained = await explainCase(modules, database, cases(total, modules).find((c) => c.name === item.name).filter);
      rows.push(...caseRows(label, measured, GOAL_MS.postgres));
      details.postgres[total] = {...seeded, cases: measured};
      // Gigabytes each: gone before the next scale is made.
      await sql(database.replace(/\/[^/]+$/, '/postgres'), `DROP DATABASE ${database.split('/').pop()}`);
    }

    // The file backend, on the same generator's sessions.
    const total = settings.fileSessions;
    const label = `files, ${total.toLocaleString('en-US')} sessions`;
    const database = await cluster.createDatabase();
    await seedDatabase(modules, database, total, progress);
    const dataDir = join(tmp, 'read-files');
    rmSync(dataDir, {recursive: true, force: true});
    mkdirSync(dataDir, {recursive: true});
    const written = await writeFileSessions(database, dataDir);
    const empty = await startCollector({dataDir: join(tmp, 'read-files-empty')});
    const emptyRss = rssMB(empty.pid);
    await empty.stop();
    const collector = await startTimedCollector(dataDir);
    const startMs = collector.startMs;
    let measured;
    let rss;
    try {
      rss = {afterStart: rssMB(collector.pid)};
      measured = await timeCases(collector.url, cases(total, modules), settings.reps, progress, label);
      rss.afterQueries = rssMB(collector.pid);
    } finally {
      await collector.stop();
    }
    rows.push(
      {metric: `${label}: start-up (every session.json read)`, unit: 'ms', baseline: null, value: startMs, note: `${written.toLocaleString('en-US')} sessions; until the collector listens`},
      {
        metric: `${label}: collector RSS`,
        unit: 'MB',
        baseline: emptyRss,
        value: rss.afterQueries,
        note: `after start ${rss.afterStart?.toFixed(0)} MB, after the queries ${rss.afterQueries?.toFixed(0)} MB; baseline: an empty collector`,
      },
      ...caseRows(label, measured, GOAL_MS.files),
    );
    details.files = {sessions: written, startMs, rss, emptyRss, cases: measured};
  } finally {
    await cluster.stop();
  }
  return {rows, details};
}
