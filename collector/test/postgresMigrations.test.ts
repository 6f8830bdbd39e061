// Schema migrations at start-up (storage/postgres/migrate.ts): a collector
// never runs on a schema newer than it knows, collectors starting together
// take turns, and indexes are added to a table that already holds rows
// without stopping its writes.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {migrate} from '../storage/postgres/migrate';
import {MIGRATIONS} from '../storage/postgres/migrations';
import type {BlobStore} from '../storage/s3/blobStore';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';
import {seedSessionsSql} from '../storage/test/seedSessions';

// Migrations touch the database alone.
const noBlobs: BlobStore = {put: async () => {}, get: async () => Buffer.from('[]'), getRange: async () => Buffer.from('[]'), deleteKeys: async () => {}, deletePrefix: async () => {}, close() {}};

describe('schema migrations', {skip: skipWithoutPostgres()}, () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgresCluster();
  });
  after(() => cluster?.stop());

  async function sql<R extends pg.QueryResultRow>(database: string, text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({connectionString: database});
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  test('a database whose schema is newer than this collector is refused, with an error that says so', async () => {
    const database = await cluster.createDatabase();
    await (await createPostgresStorage({connectionString: database, blobs: noBlobs})).close();
    const known = MIGRATIONS.at(-1)!.version;
    await sql(database, "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from a newer collector')", [known + 1]);
    await assert.rejects(createPostgresStorage({connectionString: database, blobs: noBlobs}), (error: Error) => {
      assert.ok(!(error instanceof StorageUnavailable), 'a schema to fix, not an outage to wait out');
      assert.match(error.message, new RegExp(`schema is at version ${known + 1}, newer than this collector knows \\(${known}\\)`));
      return true;
    });
    // Nothing was changed or applied on its behalf.
    assert.deepEqual((await sql<{version: number}>(database, 'SELECT version FROM schema_migrations ORDER BY version')).map((row) => row.version), [
      ...MIGRATIONS.map((migration) => migration.version),
      known + 1,
    ]);
  });

  test('collectors starting at once on a fresh database all come up, and each migration is applied once', async () => {
    const database = await cluster.createDatabase();
    const storages = await Promise.all(Array.from({length: 3}, () => createPostgresStorage({connectionString: database, blobs: noBlobs, poolSize: 2})));
    try {
      const applied = await sql<{version: number; times: string}>(database, 'SELECT version, count(*) AS times FROM schema_migrations GROUP BY version ORDER BY version');
      assert.deepEqual(applied.map((row) => [row.version, Number(row.times)]), MIGRATIONS.map((migration) => [migration.version, 1]));
      // And each works on the schema they share.
      const session = await storages[0].createSession({sessionID: 'migrated', projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: Date.now(), assistOnly: false});
      for (const storage of storages) assert.equal((await storage.getSession(session.sessionID))?.sessionID, 'migrated');
    } finally {
      for (const storage of storages) await storage.close();
    }
  });

  /** A database at the schema of `version`, with `count` sessions made inside PostgreSQL. */
  async function databaseAt(version: number, count: number): Promise<string> {
    const database = await cluster.createDatabase();
    const pool = new pg.Pool({connectionString: database, max: 1});
    try {
      await migrate(pool, () => {}, MIGRATIONS.filter((migration) => migration.version <= version));
      for (const statement of seedSessionsSql({count})) await pool.query(statement.text, statement.values);
    } finally {
      await pool.end();
    }
    return database;
  }

  async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    for (let waited = 0; waited < 30_000; waited += 50) {
      const found = await check();
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`gave up waiting: ${what}`);
  }

  // A concurrent build waits, before it ends, for every transaction holding an older snapshot.
  const waitingBuild = (database: string) =>
    until('a CREATE INDEX CONCURRENTLY waiting for an older snapshot', async () => {
      const rows = await sql<{pid: number}>(database, "SELECT pid FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event = 'virtualxid'");
      return rows[0]?.pid;
    });

  const indexes = async (database: string) =>
    Object.fromEntries(
      (await sql<{name: string; valid: boolean}>(database, "SELECT indexrelid::regclass::text AS name, indisvalid AS valid FROM pg_index WHERE indrelid = 'sessions'::regclass")).map((row) => [
        row.name,
        row.valid,
      ]),
    );

  const NEW_INDEXES = ['sessions_by_url', 'sessions_by_metadata', 'sessions_by_event_name', 'sessions_with_problems', 'sessions_frustrated', 'sessions_by_project'];

  test('the indexes are added to a table that holds rows while writes to it go on, and the listing uses them', async () => {
    const database = await databaseAt(5, 20_000);
    // A transaction with an old snapshot holds each build up before it ends: the window in which to write.
    const holder = new pg.Client({connectionString: database});
    await holder.connect();
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM sessions');
    const lines: string[] = [];
    const migrating = createPostgresStorage({connectionString: database, blobs: noBlobs, log: (line) => lines.push(line)});
    migrating.catch(() => {});
    try {
      await waitingBuild(database);
      // A plain CREATE INDEX would hold a lock that makes these wait, and the lock_timeout fail them.
      const writer = new pg.Client({connectionString: database});
      await writer.connect();
      try {
        await writer.query("SET lock_timeout = '1s'");
        await writer.query("INSERT INTO sessions (session_id, project_key, user_uuid, started_at, last_activity_at, assist_only, urls) VALUES ('written-meanwhile', 'demo', 'u', 1, 1, false, '{https://shop.example/during/the-build}')");
        await writer.query("UPDATE sessions SET error_count = error_count + 1, urls = urls || '{https://shop.example/also/during}' WHERE session_id = (SELECT session_id FROM sessions ORDER BY started_at LIMIT 1)");
      } finally {
        await writer.end();
      }
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    const storage = await migrating;
    try {
      const now = await indexes(database);
      for (const name of NEW_INDEXES) assert.equal(now[name], true, `${name} is built and valid`);
      assert.deepEqual((await storage.listSessions({limit: 10, url: '/during/the-build'})).map((s) => s.sessionID), ['written-meanwhile']);
      assert.equal((await storage.listSessions({limit: 10, url: '/also/during', hasErrors: true})).length, 1);
      assert.ok(lines.some((line) => /migrated to version 7: the URL index/.test(line)));
    } finally {
      await storage.close();
    }
  });

  test('an index whose concurrent build failed is dropped and built again at the next start', async () => {
    const database = await databaseAt(6, 5_000);
    const holder = new pg.Client({connectionString: database});
    await holder.connect();
    await holder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.query('SELECT count(*) FROM sessions');
    // Built as step 7 builds it, and cancelled halfway (as when a collector is stopped): an INVALID index is left.
    const builder = new pg.Client({connectionString: database});
    await builder.connect();
    const building = builder.query(MIGRATIONS.find((migration) => migration.version === 7)!.sql);
    building.catch(() => {});
    const pid = await waitingBuild(database);
    await sql(database, 'SELECT pg_cancel_backend($1)', [pid]);
    await assert.rejects(building, /canceling statement/);
    await builder.end();
    await holder.query('COMMIT');
    await holder.end();
    assert.equal((await indexes(database)).sessions_by_url, false);

    const storage = await createPostgresStorage({connectionString: database, blobs: noBlobs});
    try {
      assert.equal((await indexes(database)).sessions_by_url, true);
      assert.equal((await sql(database, 'SELECT 1 FROM schema_migrations WHERE version = 7')).length, 1);
      const plan = await sql<{'QUERY PLAN': string}>(database, "EXPLAIN SELECT 1 FROM sessions WHERE session_url_search_text(urls) ILIKE '%q4242%'");
      assert.match(plan.map((row) => row['QUERY PLAN']).join('\n'), /sessions_by_url/);
    } finally {
      await storage.close();
    }
  });

  /** Tags missing from session_tags, and tags there that no session's row makes (migrations.ts, step 14). */
  const tagDifferences = async (database: string) =>
    (
      await sql<{missing: number; extra: number; tags: number}>(
        database,
        `WITH made AS (SELECT tag, s.started_at, s.session_id FROM sessions s, unnest(session_tags_of(s.metadata, s.event_names)) AS tag)
         SELECT (SELECT count(*) FROM (SELECT * FROM made EXCEPT SELECT * FROM session_tags) AS m)::int AS missing,
                (SELECT count(*) FROM (SELECT * FROM session_tags EXCEPT SELECT * FROM made) AS e)::int AS extra,
                (SELECT count(*) FROM session_tags)::int AS tags`,
      )
    )[0];

  test('the session tags are made for the rows already stored, waiting out a transaction that writes, and follow every change after', async () => {
    const database = await databaseAt(13, 20_000);
    // The table and its trigger, not yet the tags of the rows already there.
    const pool = new pg.Pool({connectionString: database, max: 1});
    await migrate(pool, () => {}, MIGRATIONS.filter((migration) => migration.version <= 14));
    await pool.end();
    // Written before the copy: by the trigger alone.
    await sql(database, "INSERT INTO sessions (session_id, project_key, user_uuid, started_at, last_activity_at, assist_only, metadata, event_names) VALUES ('before-copy', 'demo', 'u', 5, 5, false, '{\"plan\": \"gold\"}', '{paid}')");
    const [oldest] = await sql<{session_id: string}>(database, `UPDATE sessions SET metadata = metadata || '{"plan": "gold"}' WHERE session_id = (SELECT session_id FROM sessions WHERE session_id <> 'before-copy' ORDER BY started_at LIMIT 1) RETURNING session_id`);
    // A transaction that has written to sessions and not ended: the copy must wait for it, not block behind it.
    const holder = new pg.Client({connectionString: database});
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`UPDATE sessions SET event_names = event_names || '{held}' WHERE session_id = (SELECT session_id FROM sessions ORDER BY started_at DESC LIMIT 1)`);
    const lines: string[] = [];
    const migrating = createPostgresStorage({connectionString: database, blobs: noBlobs, log: (line) => lines.push(line)});
    migrating.catch(() => {});
    try {
      await until('the copy waiting for the transaction', async () => (lines.some((line) => /session tags: waiting for the sessions table/.test(line)) ? true : undefined));
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    const storage = await migrating;
    try {
      const copied = await tagDifferences(database);
      assert.deepEqual([copied.missing, copied.extra], [0, 0], 'every row has its tags, and no more');
      assert.ok(copied.tags > 20_000 * 4, 'four metadata pairs a session at least');
      assert.equal((await storage.listSessions({limit: 10, event: 'held'})).length, 1);
      assert.deepEqual((await storage.listSessions({limit: 10, meta: [['plan', 'gold']]})).map((found) => found.sessionID).sort(), [oldest.session_id, 'before-copy'].sort());

      // Each change of a row's metadata or event names, through the storage.
      const session = await storage.createSession({sessionID: 'tagged', projectKey: 'demo', userID: 'tag-user', userUUID: 'u', metadata: {plan: 'pro'}, startedAt: Date.now(), assistOnly: false});
      await storage.updateSession(session.sessionID, {metadata: {plan: 'enterprise', region: 'nowhere-else'}, eventNames: ['coupon-applied']});
      const changed = await tagDifferences(database);
      assert.deepEqual([changed.missing, changed.extra], [0, 0]);
      assert.equal(changed.tags, copied.tags + 3, 'plan:pro gone; plan:enterprise, region:nowhere-else and coupon-applied added');
      assert.deepEqual((await storage.listSessions({limit: 5, meta: [['region', 'nowhere-else']], event: 'coupon-applied'})).map((found) => found.sessionID), ['tagged']);
      assert.deepEqual(await storage.listSessions({limit: 5, meta: [['plan', 'pro']], userID: 'tag-user'}), []);
      // Erased: nothing of the session is left among the tags either.
      assert.deepEqual(await storage.erase({userID: 'tag-user'}), ['tagged']);
      assert.deepEqual(await sql(database, "SELECT 1 FROM session_tags WHERE session_id = 'tagged'"), []);
      const erased = await tagDifferences(database);
      assert.deepEqual([erased.missing, erased.extra, erased.tags], [0, 0, copied.tags]);
    } finally {
      await storage.close();
    }
  });

  test('a role that may not create pg_trgm is told what to do, and starts once the extension is there', async () => {
    const database = await cluster.createDatabase();
    const role = `limited_${process.pid}`;
    await sql(database, `CREATE ROLE ${role} LOGIN`);
    // May create tables (it owns the schema), not extensions (no CREATE on the database).
    await sql(database, `ALTER SCHEMA public OWNER TO ${role}`);
    const asRole = database.replace('postgres://postgres@', `postgres://${role}@`);
    await assert.rejects(createPostgresStorage({connectionString: asRole, blobs: noBlobs}), (error: Error) => {
      assert.match(error.message, /schema migration 6 .*permission denied to create extension "pg_trgm"/);
      assert.match(error.message, /Have a superuser run `CREATE EXTENSION pg_trgm;` in this database/);
      return true;
    });
    await sql(database, 'CREATE EXTENSION pg_trgm');
    const storage = await createPostgresStorage({connectionString: asRole, blobs: noBlobs});
    await storage.close();
    assert.equal((await indexes(database)).sessions_by_url, true);
  });
});
