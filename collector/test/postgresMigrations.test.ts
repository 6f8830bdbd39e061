// Schema migrations at start-up (storage/postgres/migrate.ts): a collector
// never runs on a schema newer than it knows, and collectors starting
// together take turns.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {MIGRATIONS} from '../storage/postgres/migrations';
import type {BlobStore} from '../storage/s3/blobStore';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';

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
});
