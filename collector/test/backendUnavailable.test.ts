// A database or object store out of reach is "not now" (StorageUnavailable,
// answered 503 with Retry-After), not a failure of the collector.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer} from 'node:net';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import type {BlobStore} from '../storage/s3/blobStore';

// A port nobody listens on: taken, then given back.
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const {port} = probe.address() as {port: number};
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const unusedBlobs: BlobStore = {put: async () => {}, get: async () => Buffer.from('[]'), deleteKeys: async () => {}, deletePrefix: async () => {}, close() {}};

test('a PostgreSQL that cannot be reached is StorageUnavailable', async () => {
  const port = await closedPort();
  await assert.rejects(createPostgresStorage({connectionString: `postgres://postgres@127.0.0.1:${port}/none`, blobs: unusedBlobs}), StorageUnavailable);
});

test('an object store that cannot be reached is StorageUnavailable', async () => {
  const port = await closedPort();
  const store = createS3BlobStore({bucket: 'replays', endpoint: `http://127.0.0.1:${port}`, credentials: {accessKeyId: 'a', secretAccessKey: 'b'}});
  try {
    await assert.rejects(store.put('k', Buffer.from('[]')), StorageUnavailable);
  } finally {
    store.close();
  }
});
