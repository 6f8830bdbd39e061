// A database or object store out of reach is "not now" (StorageUnavailable,
// answered 503 with Retry-After), not a failure of the collector.
import {after, afterEach, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import type {BlobStore} from '../storage/s3/blobStore';
import {startOutageProxy, type OutageProxy} from '../storage/test/outageProxy';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server, type S3Server} from '../storage/test/s3Server';
import {collectorFor, events, getJson, startSession} from './helpers';

// A port nobody listens on: taken, then given back.
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const {port} = probe.address() as {port: number};
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const unusedBlobs: BlobStore = {put: async () => {}, get: async () => Buffer.from('[]'), getRange: async () => Buffer.from('[]'), deleteKeys: async () => {}, deletePrefix: async () => {}, close() {}};

test('a PostgreSQL that cannot be reached is StorageUnavailable', async () => {
  const port = await closedPort();
  await assert.rejects(createPostgresStorage({connectionString: `postgres://postgres@127.0.0.1:${port}/none`, blobs: unusedBlobs}), StorageUnavailable);
});

test('an object store that cannot be reached is StorageUnavailable', async () => {
  const port = await closedPort();
  const store = await createS3BlobStore({bucket: 'replays', endpoint: `http://127.0.0.1:${port}`, credentials: {accessKeyId: 'a', secretAccessKey: 'b'}});
  try {
    await assert.rejects(store.put('k', Buffer.from('[]')), StorageUnavailable);
  } finally {
    store.close();
  }
});

// Through HTTP, on a real database and store: a backend that hangs (frozen,
// not refusing) is answered 503 with Retry-After within seconds, and ingest
// comes back by itself when the backend does. Short timeouts keep the test
// quick; the defaults (5 s) are the same mechanism.
const skip = skipWithoutPostgres();
describe('a hung or stopped backend, through HTTP', {skip}, () => {
  const TIMEOUT_MS = 2000;
  // Generous for a loaded 2-core machine, and still far from "never".
  const ANSWERED_WITHIN_MS = 12_000;
  let cluster: PostgresCluster;
  let s3: S3Server;
  let proxy: OutageProxy;
  before(async () => {
    [cluster, s3] = await Promise.all([startPostgresCluster(), startS3Server()]);
    const {hostname, port} = new URL(s3.endpoint);
    proxy = await startOutageProxy({host: hostname, port: Number(port)});
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([cluster?.stop(), s3?.stop()]);
  });
  afterEach(async () => {
    cluster.thaw();
    await proxy.restore();
  });

  async function collectorWithSession() {
    const storage = await createPostgresStorage({
      connectionString: await cluster.createDatabase(),
      blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: proxy.url, credentials: s3.credentials, timeoutMs: TIMEOUT_MS}),
      timeoutMs: TIMEOUT_MS,
      poolSize: 4,
    });
    const {url} = await collectorFor({storage});
    const grant = await startSession(url);
    assert.equal((await timed(url, '/v1/web/i?page=1&seq=0', events(3), grant.sessionToken)).status, 200);
    return {url, grant};
  }

  // Until a 200, as the tracker does after a 503 (its Retry-After shortened).
  async function storedEventually(url: string, path: string, body: unknown, token?: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answer = await timed(url, path, body, token);
      if (answer.status === 200 || Date.now() > deadline) return answer;
      await sleep(250);
    }
  }

  test('a frozen PostgreSQL gets batches and handshakes answered 503 with Retry-After within seconds', async () => {
    const {url, grant} = await collectorWithSession();
    cluster.freeze();
    const [batch, start] = await Promise.all([timed(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken), timed(url, '/v1/web/start', HANDSHAKE)]);
    for (const answer of [batch, start]) {
      assert.equal(answer.status, 503, JSON.stringify(answer));
      assert.equal(answer.retryAfter, '5');
      assert.ok(answer.ms < ANSWERED_WITHIN_MS, `answered after ${answer.ms} ms`);
    }
  });

  test('ingest recovers by itself once a frozen PostgreSQL runs again', async () => {
    const {url, grant} = await collectorWithSession();
    cluster.freeze();
    assert.equal((await timed(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken)).status, 503);
    cluster.thaw();
    assert.equal((await storedEventually(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken)).status, 200);
    assert.equal((await storedEventually(url, '/v1/web/start', HANDSHAKE)).status, 200);
    assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, events(5));
  });

  test('an object store that hangs gets batches answered 503 with Retry-After within seconds, and handshakes still served', async () => {
    const {url, grant} = await collectorWithSession();
    proxy.hang();
    const batch = await timed(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken);
    assert.equal(batch.status, 503, JSON.stringify(batch));
    assert.equal(batch.retryAfter, '5');
    assert.ok(batch.ms < ANSWERED_WITHIN_MS, `answered after ${batch.ms} ms`);
    // A handshake needs the database alone.
    assert.equal((await timed(url, '/v1/web/start', HANDSHAKE)).status, 200);
  });

  test('ingest recovers by itself once a hung object store answers again', async () => {
    const {url, grant} = await collectorWithSession();
    proxy.hang();
    assert.equal((await timed(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken)).status, 503);
    await proxy.restore();
    assert.equal((await storedEventually(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken)).status, 200);
    assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, events(5));
  });

  test('an object store that is down gets batches answered 503 until it is back, then 200', async () => {
    const {url, grant} = await collectorWithSession();
    await proxy.refuse();
    const batch = await timed(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken);
    assert.equal(batch.status, 503, JSON.stringify(batch));
    assert.equal(batch.retryAfter, '5');
    await proxy.restore();
    assert.equal((await storedEventually(url, '/v1/web/i?page=1&seq=1', events(2, 3), grant.sessionToken)).status, 200);
    assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, events(5));
  });
});

const HANDSHAKE = {projectKey: 'demo', url: 'http://shop.test/'};

/** A POST with how long its answer took; a request never answered fails the test after 30 s. */
async function timed(url: string, path: string, body: unknown, token?: string) {
  const startedAt = Date.now();
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', ...(token && {Authorization: `Bearer ${token}`})},
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return {status: response.status, retryAfter: response.headers.get('retry-after'), ms: Date.now() - startedAt, json: await response.json()};
}
