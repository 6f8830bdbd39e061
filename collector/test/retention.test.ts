import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import {startRetention} from '../storage/startRetention';
import type {Storage} from '../storage/storage';
import {controlBlobStore} from '../storage/test/controlledBlobStore';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server, type S3Server} from '../storage/test/s3Server';
import {collectorFor, events, sendBatch, startSession} from './helpers';

const DAY = 86_400_000;

// A storage holding `expired` sessions past the cutoff, recording each removal step.
function fakeStorage(expired: number) {
  const calls: Array<{time: number; limit: number; removed: number}> = [];
  let left = expired;
  const storage = {
    async removeInactiveSince(time: number, limit: number) {
      const removed = Math.min(left, limit);
      calls.push({time, limit, removed});
      left -= removed;
      return removed;
    },
  } as unknown as Storage;
  return {storage, calls};
}

test('a retention sweep removes expired sessions in bounded steps until none is left', async () => {
  const {storage, calls} = fakeStorage(250);
  const retention = startRetention(storage, {days: 30, batchSize: 100, now: () => 100 * DAY});
  try {
    // The first sweep starts at once; this one joins it or runs after it.
    await retention.sweep();
    assert.equal(calls.reduce((sum, call) => sum + call.removed, 0), 250);
    assert.deepEqual(calls.slice(0, 3).map((call) => call.removed), [100, 100, 50]);
    assert.ok(calls.every((call) => call.limit === 100 && call.time === 70 * DAY));
  } finally {
    await retention.stop();
  }
});

describe('retention racing ingest: PostgreSQL + S3', {skip: skipWithoutPostgres()}, () => {
  let services: Promise<[PostgresCluster, S3Server]> | null = null;
  const start = () => (services ??= Promise.all([startPostgresCluster(), startS3Server()]));
  after(async () => {
    if (!services) return;
    const [cluster, s3] = await services;
    await Promise.all([cluster.stop(), s3.stop()]);
  });

  test('a batch whose session retention removes while it is stored is answered 401, so the tracker starts a new session', async () => {
    const [cluster, s3] = await start();
    const store = controlBlobStore(await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}));
    const storage = await createPostgresStorage({connectionString: await cluster.createDatabase(), blobs: store.blobs, poolSize: 4});
    const {url} = await collectorFor({storage});
    const grant = await startSession(url);
    const held = store.holdNextPut();
    const batch = sendBatch(url, grant.sessionToken, 1, 0, events(3));
    // The batch passed its token and session checks; its object is on its way.
    await held.arrived;
    assert.equal(await storage.removeInactiveSince(Date.now() + DAY, 100), 1);
    held.release();
    const answer = await batch;
    assert.equal(answer.status, 401, JSON.stringify(answer.json));
    assert.match(answer.json.error, /removed/);
  });
});
