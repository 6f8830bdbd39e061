// Erasure and retention through the HTTP API, on both storage backends.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import {fileBackend, postgresBackend} from '../storage/test/backendsForTests';
import {SessionErased} from '../storage/storage';
import {controlBlobStore} from '../storage/test/controlledBlobStore';
import {startOutageProxy, type OutageProxy} from '../storage/test/outageProxy';
import {skipWithoutPostgres} from '../storage/test/postgresCluster';
import {ADMIN, collectorFor, events, getJson, sendBatch, startSession} from './helpers';

const DAY = 86_400_000;
const backends = [fileBackend(), postgresBackend()];
after(async () => {
  for (const backend of backends) await backend.stop();
});

const erase = async (url: string, path: string, headers: Record<string, string> = ADMIN) => {
  const response = await fetch(`${url}${path}`, {method: 'DELETE', headers});
  return {status: response.status, json: (await response.json()) as any};
};

for (const backend of backends) {
  describe(`erasure and retention: ${backend.name}`, {skip: backend.skip}, () => {
    test('DELETE /api/sessions/:id removes the session and its events for good', async () => {
      const {url} = await collectorFor({storage: await backend.open()});
      const grant = await startSession(url);
      const kept = await startSession(url);
      await sendBatch(url, grant.sessionToken, 1, 0, events(3));
      await sendBatch(url, kept.sessionToken, 1, 0, events(2));
      assert.deepEqual(await erase(url, `/api/sessions/${grant.sessionID}`), {status: 200, json: {erased: [grant.sessionID]}});
      // Sent again, as a client whose answer was lost would: it is gone, and says so.
      assert.deepEqual(await erase(url, `/api/sessions/${grant.sessionID}`), {status: 200, json: {erased: [], alreadyErased: [grant.sessionID]}});
      assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}`)).status, 404);
      assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).status, 404);
      const listed = (await getJson(url, '/api/sessions')).json.sessions.map((s: any) => s.sessionID);
      assert.deepEqual(listed, [kept.sessionID]);
      assert.equal((await getJson(url, `/api/sessions/${kept.sessionID}/events`)).json.pages[0].events.length, 2);
    });

    test('a batch arriving after the erasure is refused with 410 and the session stays gone', async () => {
      const {url} = await collectorFor({storage: await backend.open()});
      const grant = await startSession(url);
      await sendBatch(url, grant.sessionToken, 1, 0, events(3));
      await erase(url, `/api/sessions/${grant.sessionID}`);
      const late = await sendBatch(url, grant.sessionToken, 1, 1, events(2, 3));
      assert.equal(late.status, 410);
      assert.match(late.json.error, /erased/);
      assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}`)).status, 404);
      assert.equal((await getJson(url, '/api/sessions')).json.sessions.length, 0);
    });

    test('DELETE /api/sessions?userID= removes every session of that user and only those', async () => {
      const {url} = await collectorFor({storage: await backend.open()});
      const mine = [await startSession(url, {userID: 'leaving'}), await startSession(url, {userID: 'leaving'})];
      const other = await startSession(url, {userID: 'staying'});
      const {status, json} = await erase(url, '/api/sessions?userID=leaving');
      assert.equal(status, 200);
      assert.deepEqual(json.erased.sort(), mine.map((grant) => grant.sessionID).sort());
      assert.deepEqual((await getJson(url, '/api/sessions')).json.sessions.map((s: any) => s.sessionID), [other.sessionID]);
    });

    test('an erasure without its userID, or of an unknown session, erases nothing and says why', async () => {
      const {url} = await collectorFor({storage: await backend.open()});
      await startSession(url);
      const unfiltered = await erase(url, '/api/sessions');
      assert.equal(unfiltered.status, 400);
      assert.match(unfiltered.json.error, /userID/);
      assert.equal((await erase(url, '/api/sessions/nosuchsession')).status, 404);
      assert.equal((await getJson(url, '/api/sessions')).json.sessions.length, 1);
    });

    test('erasure needs an admin key, on loopback too', async () => {
      const {url} = await collectorFor({storage: await backend.open()});
      const grant = await startSession(url);
      assert.equal((await erase(url, `/api/sessions/${grant.sessionID}`, {})).status, 401);
      assert.equal((await erase(url, '/api/sessions?userID=x', {})).status, 401);
      assert.equal((await erase(url, `/api/sessions/${grant.sessionID}`)).status, 200);
    });

    test('with --retention-days, sessions inactive for longer are removed and recent ones kept', async () => {
      const storage = await backend.open();
      const now = Date.now();
      const old = await storage.createSession({sessionID: `old${now}`, projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: now - 40 * DAY, assistOnly: false});
      await storage.addPage(old.sessionID, {url: 'http://shop.test/', referrer: '', startedAt: now - 40 * DAY});
      await storage.putBatch({sessionID: old.sessionID, pageID: 1, seq: 0, body: Buffer.from(JSON.stringify(events(2))), eventCount: 2});
      const {url} = await collectorFor({storage, retentionDays: 30});
      const recent = await startSession(url);
      // The first sweep runs at start-up, off the request path: wait for it to be done.
      for (let i = 0; i < 400 && (await getJson(url, `/api/sessions/${old.sessionID}`)).status !== 404; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal((await getJson(url, `/api/sessions/${old.sessionID}`)).status, 404);
      assert.equal((await getJson(url, `/api/sessions/${recent.sessionID}`)).status, 200);
    });
  });
}

// PostgreSQL + S3 with the store out of reach: the erasure has taken effect
// once its transaction commits, and the objects follow when the store is back.
describe('erasure while the object store is down: PostgreSQL + S3', {skip: skipWithoutPostgres()}, () => {
  const shared = postgresBackend();
  let proxy: OutageProxy | null = null;
  let s3Client: S3Client | null = null;
  let run = 0;
  after(async () => {
    s3Client?.destroy();
    await proxy?.stop();
    await shared.stop();
  });

  /** A storage whose store is reached through a proxy that can refuse, sweeping removals every 200 ms. */
  async function storageBehindProxy() {
    const {cluster, s3} = await shared.started();
    if (!proxy) {
      const {hostname, port} = new URL(s3.endpoint);
      proxy = await startOutageProxy({host: hostname, port: Number(port)});
    }
    s3Client ??= new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: s3.credentials});
    const prefix = `erase-down${++run}/`;
    const storage = await createPostgresStorage({
      connectionString: await cluster.createDatabase(),
      blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: proxy.url, credentials: s3.credentials}),
      prefix,
      poolSize: 4,
      removalSweepMs: 200,
    });
    const client = s3Client;
    // Objects of any layout under this storage's own prefix: the one session's batches.
    const storedObjects = async () => (await client.send(new ListObjectsV2Command({Bucket: s3.bucket, Prefix: prefix}))).KeyCount ?? 0;
    return {storage, proxy, storedObjects};
  }

  test('an erasure while the store is down is answered 200 once the rows are gone, and the session stays gone', async () => {
    const {storage, proxy} = await storageBehindProxy();
    const {url} = await collectorFor({storage});
    const grant = await startSession(url);
    await sendBatch(url, grant.sessionToken, 1, 0, events(3));
    await proxy.refuse();
    try {
      assert.deepEqual(await erase(url, `/api/sessions/${grant.sessionID}`), {status: 200, json: {erased: [grant.sessionID]}});
      // Sent again, as a client whose answer was lost would: it is gone, and says so.
      assert.deepEqual(await erase(url, `/api/sessions/${grant.sessionID}`), {status: 200, json: {erased: [], alreadyErased: [grant.sessionID]}});
      assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}`)).status, 404);
      assert.equal((await sendBatch(url, grant.sessionToken, 1, 1, events(2, 3))).status, 410);
    } finally {
      await proxy.restore();
    }
  });

  test('the objects of a session erased while the store was down are deleted once it is back, without --retention-days', async () => {
    const {storage, proxy, storedObjects} = await storageBehindProxy();
    const {url} = await collectorFor({storage});
    const grant = await startSession(url);
    await sendBatch(url, grant.sessionToken, 1, 0, events(3));
    await sendBatch(url, grant.sessionToken, 1, 1, events(2, 3));
    await proxy.refuse();
    await erase(url, `/api/sessions/${grant.sessionID}`);
    assert.equal(await storedObjects(), 2);
    await proxy.restore();
    await until(async () => (await storedObjects()) === 0, 'the erased session\'s objects deleted');
  });
});

describe('a batch racing its erasure: PostgreSQL + S3', {skip: skipWithoutPostgres()}, () => {
  const shared = postgresBackend();
  after(() => shared.stop());

  test('a batch\'s object that lands after its session was erased is deleted, even when deleting it at once fails', async () => {
    const {cluster, s3} = await shared.started();
    const store = controlBlobStore(await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}));
    const prefix = 'late-object/';
    const storage = await createPostgresStorage({connectionString: await cluster.createDatabase(), blobs: store.blobs, prefix, poolSize: 4, removalSweepMs: 200});
    const s3Client = new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: s3.credentials});
    try {
      const sessionID = `late${Date.now()}`;
      await storage.createSession({sessionID, projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: Date.now(), assistOnly: false});
      await storage.addPage(sessionID, {url: 'http://shop.test/', referrer: '', startedAt: Date.now()});
      const held = store.holdNextPut();
      store.failDeletes(true);
      const put = storage.putBatch({sessionID, pageID: 1, seq: 0, body: Buffer.from(JSON.stringify(events(2))), eventCount: 2});
      await held.arrived;
      assert.deepEqual(await storage.erase({sessionID}), [sessionID]);
      // The object is written after the erasure removed the session's objects.
      held.release();
      await assert.rejects(put, SessionErased);
      store.failDeletes(false);
      const objects = async () => (await s3Client.send(new ListObjectsV2Command({Bucket: s3.bucket, Prefix: prefix}))).KeyCount ?? 0;
      await until(async () => (await objects()) === 0, 'the late object deleted');
    } finally {
      s3Client.destroy();
      await storage.close();
    }
  });
});

// Each collector caches what a batch is checked against: an erasure through
// another collector must still be refused here, the empty batch included.
describe('two collectors on one database: PostgreSQL + S3', {skip: skipWithoutPostgres()}, () => {
  const shared = postgresBackend();
  after(() => shared.stop());

  test('a batch, empty or not, for a session erased through the other collector is refused with 410', async () => {
    const {cluster, s3} = await shared.started();
    const connectionString = await cluster.createDatabase();
    const open = async () =>
      createPostgresStorage({connectionString, blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}), prefix: 'two/', poolSize: 4});
    const secret = 'one-secret-for-both-collectors';
    const here = await collectorFor({storage: await open(), secret});
    const there = await collectorFor({storage: await open(), secret});
    const [quiet, busy] = [await startSession(here.url), await startSession(here.url)];
    // Checked here once: both sessions are now in this collector's cache.
    for (const grant of [quiet, busy]) assert.equal((await sendBatch(here.url, grant.sessionToken, 1, 0, events(3))).status, 200);
    for (const grant of [quiet, busy]) assert.deepEqual(await erase(there.url, `/api/sessions/${grant.sessionID}`), {status: 200, json: {erased: [grant.sessionID]}});
    const empty = await sendBatch(here.url, quiet.sessionToken, 1, 1, []);
    assert.equal(empty.status, 410);
    assert.match(empty.json.error, /erased/);
    assert.equal((await sendBatch(here.url, busy.sessionToken, 1, 1, events(2, 3))).status, 410);
    // Sent again after its answer was lost: still refused, not taken for a duplicate.
    assert.equal((await sendBatch(here.url, busy.sessionToken, 1, 0, events(3))).status, 410);
    for (const grant of [quiet, busy]) assert.equal((await getJson(here.url, `/api/sessions/${grant.sessionID}`)).status, 404);
    // Closed here, before this describe's after() stops the cluster under them:
    // their removal sweeps would otherwise query a database going away.
    await Promise.all([here.close(), there.close()]);
  });
});

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
