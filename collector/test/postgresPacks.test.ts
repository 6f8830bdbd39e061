// Packs (storage/postgres/createPostgresBatchStore.ts): batches stored at the
// same time share one object, and what no row names leaves the store
// (createPostgresMaintenance.ts).
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3';
import pg from 'pg';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createPostgresStorage, type PostgresStorageOptions} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import type {BlobStore} from '../storage/s3/blobStore';
import {controlBlobStore} from '../storage/test/controlledBlobStore';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server, type S3Server} from '../storage/test/s3Server';

const eventsFrom = (from: number, count: number) => Array.from({length: count}, (_, i) => ({type: 3, timestamp: 1000 + from + i, data: {n: from + i}}));

describe('packs: PostgreSQL + S3', {skip: skipWithoutPostgres()}, () => {
  let services: Promise<[PostgresCluster, S3Server]> | null = null;
  let run = 0;
  const start = () => (services ??= Promise.all([startPostgresCluster(), startS3Server()]));
  after(async () => {
    if (!services) return;
    const [cluster, s3] = await services;
    await Promise.all([cluster.stop(), s3.stop()]);
  });

  async function setUp(options: Partial<PostgresStorageOptions> & {blobs?: BlobStore} = {}) {
    const [cluster, s3] = await start();
    const connectionString = await cluster.createDatabase();
    const prefix = `packs${++run}/`;
    const blobs = options.blobs ?? (await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}));
    const storage = await createPostgresStorage({connectionString, prefix, poolSize: 4, ...options, blobs});
    const client = new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: s3.credentials});
    const db = new pg.Pool({connectionString, max: 1});
    // The cluster stops after the tests: an idle connection's error then is no failure.
    db.on('error', () => {});
    const objects = async () => ((await client.send(new ListObjectsV2Command({Bucket: s3.bucket, Prefix: prefix}))).Contents ?? []).map((object) => object.Key!);
    const sql = async (text: string, values: unknown[] = []) => (await db.query(text, values)).rows;
    const notes = async () => sql('SELECT object_key, state FROM pack_notes');
    const close = async () => {
      await storage.close();
      client.destroy();
      await db.end();
    };
    return {storage, s3, client, prefix, objects, notes, sql, close};
  }

  async function sessionWithPage(storage: Awaited<ReturnType<typeof setUp>>['storage'], sessionID: string) {
    await storage.createSession({sessionID, projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: Date.now(), assistOnly: false});
    await storage.addPage(sessionID, {url: 'http://shop.test/', referrer: '', startedAt: Date.now()});
  }

  async function readEvents(storage: Awaited<ReturnType<typeof setUp>>['storage'], sessionID: string) {
    const events: unknown[] = [];
    for await (const body of await storage.readPageBatches(sessionID, 1)) events.push(...JSON.parse(body.toString('utf8')));
    return events;
  }

  test('batches stored at once share objects, and each reads back with its counts and summary', async () => {
    const {storage, objects, close} = await setUp();
    try {
      const sessions = ['a', 'b', 'c', 'd', 'e'].map((name) => `pack-${name}-${Date.now()}`);
      for (const id of sessions) await sessionWithPage(storage, id);
      // Four batches per session, all at once: the first few go alone, the rest wait for a free pack and go together.
      const outcomes = await Promise.all(
        sessions.flatMap((sessionID, s) =>
          [0, 1, 2, 3].map((seq) =>
            storage.putBatch({
              sessionID,
              pageID: 1,
              seq,
              body: Buffer.from(JSON.stringify(eventsFrom(seq * 10, 3))),
              eventCount: 3,
              change: {customEvents: 1, eventNames: [`e${s}`], lastEventAt: 2000 + seq},
            }),
          ),
        ),
      );
      assert.deepEqual(new Set(outcomes), new Set(['stored']));
      const stored = await objects();
      assert.ok(stored.length < 20 && stored.length <= 6, `20 batches in ${stored.length} objects`);
      assert.ok(stored.every((key) => key.includes('/packs/')));
      for (const [s, sessionID] of sessions.entries()) {
        assert.deepEqual(await readEvents(storage, sessionID), [0, 1, 2, 3].flatMap((seq) => eventsFrom(seq * 10, 3)));
        const session = (await storage.getSession(sessionID))!;
        assert.equal(session.pages[0].eventCount, 12);
        assert.equal(session.customEventCount, 4);
        assert.deepEqual(session.eventNames, [`e${s}`]);
        assert.equal(session.lastEventAt, 2003);
      }
    } finally {
      await close();
    }
  });

  test('a pack left by a crash (noted, uploaded, never committed) is deleted once its note is old enough', async () => {
    const {storage, s3, client, prefix, objects, notes, sql, close} = await setUp({packOrphanMs: 300, removalSweepMs: 100});
    try {
      await sessionWithPage(storage, 'kept');
      assert.equal(await storage.putBatch({sessionID: 'kept', pageID: 1, seq: 0, body: Buffer.from(JSON.stringify(eventsFrom(0, 2))), eventCount: 2}), 'stored');
      const [kept] = await objects();
      // What a collector killed between its upload and its transaction leaves.
      const Key = `${prefix}packs/2026-12-02/crashed0000`;
      await sql("INSERT INTO pack_notes (object_key, state, since) VALUES ($1, 'writing', $2)", [Key, Date.now()]);
      await client.send(new PutObjectCommand({Bucket: s3.bucket, Key, Body: Buffer.from(JSON.stringify(eventsFrom(5, 1)))}));
      await until(async () => (await notes()).length === 0, 'the leftover\'s note reviewed');
      assert.deepEqual(await objects(), [kept]);
      assert.deepEqual(await readEvents(storage, 'kept'), eventsFrom(0, 2));
    } finally {
      await close();
    }
  });

  test('a pack whose commit comes after it was taken for a crash\'s leftover is refused (503), and nothing of it stays', async () => {
    const [, s3] = await start();
    const store = controlBlobStore(await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}));
    const {storage, objects, notes, close} = await setUp({blobs: store.blobs, packOrphanMs: 200, removalSweepMs: 50});
    try {
      await sessionWithPage(storage, 'slow');
      const held = store.holdNextPut();
      const put = storage.putBatch({sessionID: 'slow', pageID: 1, seq: 0, body: Buffer.from(JSON.stringify(eventsFrom(0, 2))), eventCount: 2});
      await held.arrived;
      // The upload outlasts the grace period: a sweep takes the note.
      await until(async () => (await notes()).length === 0, 'the note taken by a sweep');
      held.release();
      await assert.rejects(put, StorageUnavailable);
      assert.deepEqual(await readEvents(storage, 'slow'), []);
      assert.equal((await storage.getSession('slow'))!.pages[0].eventCount, 0);
      await until(async () => (await objects()).length === 0, 'the refused pack deleted');
      // Sent again, it is stored.
      assert.equal(await storage.putBatch({sessionID: 'slow', pageID: 1, seq: 0, body: Buffer.from(JSON.stringify(eventsFrom(0, 2))), eventCount: 2}), 'stored');
      assert.deepEqual(await readEvents(storage, 'slow'), eventsFrom(0, 2));
    } finally {
      await close();
    }
  });
});

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
