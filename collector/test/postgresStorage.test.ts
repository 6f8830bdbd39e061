// The storage conformance suite against PostgreSQL + an S3-compatible store,
// each started for this file (storage/test/postgresCluster.ts, s3Server.ts).
// Skipped, saying why, only where the PostgreSQL server is not installed
// (and REQUIRE_POSTGRES=1 is not set: then it fails).
import {after, test} from 'node:test';
import {ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3';
import pg from 'pg';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import {storageConformance} from '../storage/test/conformance';
import {skipWithoutPostgres, startPostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server} from '../storage/test/s3Server';

const skip = skipWithoutPostgres();
if (skip) {
  test('storage conformance: PostgreSQL + S3', {skip}, () => {});
} else {
  const cluster = await startPostgresCluster();
  const s3 = await startS3Server();
  const client = new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: s3.credentials});
  after(async () => {
    client.destroy();
    await cluster.stop();
    await s3.stop();
  });
  let run = 0;

  storageConformance('PostgreSQL + S3', async () => {
    const database = await cluster.createDatabase();
    const prefix = `run${++run}/`;
    const open = async () =>
      createPostgresStorage({
        connectionString: database,
        blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}),
        prefix,
        poolSize: 4,
      });
    const storage = await open();
    const db = new pg.Pool({connectionString: database, max: 1});
    // The cluster stops after the tests: an idle connection's error then is no failure.
    db.on('error', () => {});
    const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await db.query<R>(text, values)).rows;
    const listed = async (Prefix: string) => (await client.send(new ListObjectsV2Command({Bucket: s3.bucket, Prefix}))).Contents ?? [];
    return {
      storage,
      concurrent: true,
      another: open,
      // The session's objects of its own (as before packs), its batches in
      // packs, and the bytes of any pack that no batch names (a duplicate's,
      // a removed session's), once the reviews under way are done.
      async storedBodies(sessionID) {
        for (let waited = 0; (await sql("SELECT 1 FROM pack_notes WHERE state = 'review'")).length && waited < 10_000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const own = (await listed(`${prefix}sessions/${sessionID}/`)).length;
        const packed = await sql<{object_key: string; bytes: number}>('SELECT object_key, bytes FROM batches WHERE object_offset IS NOT NULL');
        const inPacks = (await sql('SELECT 1 FROM batches WHERE session_id = $1 AND object_offset IS NOT NULL', [sessionID])).length;
        const named = new Map<string, number>();
        for (const row of packed) named.set(row.object_key, (named.get(row.object_key) ?? 0) + row.bytes);
        const unnamed = (await listed(`${prefix}packs/`)).filter((object) => (object.Size ?? 0) > (named.get(object.Key!) ?? 0)).length;
        return own + inPacks + unnamed;
      },
      async crashWhileStoring({body}) {
        await storage.close();
        // Killed between the steps: the pack is noted and in the store, its transaction never committed.
        const Key = `${prefix}packs/2026-12-02/deadbeef0000`;
        await sql("INSERT INTO pack_notes (object_key, state, since) VALUES ($1, 'writing', $2)", [Key, Date.now()]);
        await client.send(new PutObjectCommand({Bucket: s3.bucket, Key, Body: body}));
      },
      async close() {
        await db.end();
      },
    };
  });
}
