// The two storage backends, for tests that run the same behaviour against
// each: files in a temporary directory, and PostgreSQL + S3 on a cluster and
// an s3rver started for the test file (skipped where PostgreSQL is not
// installed, unless REQUIRE_POSTGRES=1 makes that a failure).
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createFileStorage} from '../file/createFileStorage';
import {createPostgresStorage} from '../postgres/createPostgresStorage';
import {createS3BlobStore} from '../s3/createS3BlobStore';
import type {Storage} from '../storage';
import {POSTGRES_MISSING, skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from './postgresCluster';
import {startS3Server, type S3Server} from './s3Server';

export interface TestBackend {
  name: string;
  /** Why it cannot run here, if it cannot. */
  skip?: string;
  /** A fresh, empty storage. */
  open(): Promise<Storage>;
  stop(): Promise<void>;
}

export function fileBackend(): TestBackend {
  const dirs: string[] = [];
  return {
    name: 'file',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'storage-test-'));
      dirs.push(dir);
      return createFileStorage(dir);
    },
    async stop() {
      for (const dir of dirs) await rm(dir, {recursive: true, force: true});
    },
  };
}

export interface SharedBackend extends TestBackend {
  cluster: PostgresCluster;
  s3: S3Server;
}

/** PostgreSQL + S3: started on the first open(). */
export function postgresBackend(): TestBackend & {started(): Promise<SharedBackend>} {
  const skip = skipWithoutPostgres();
  if (skip) {
    const missing = async () => {
      throw new Error(POSTGRES_MISSING);
    };
    return {name: 'PostgreSQL + S3', skip, open: missing, started: missing, stop: async () => {}};
  }
  let services: Promise<{cluster: PostgresCluster; s3: S3Server}> | null = null;
  const start = () => (services ??= Promise.all([startPostgresCluster(), startS3Server()]).then(([cluster, s3]) => ({cluster, s3})));
  let run = 0;
  const backend = {
    name: 'PostgreSQL + S3',
    async open(): Promise<Storage> {
      const {cluster, s3} = await start();
      return createPostgresStorage({
        connectionString: await cluster.createDatabase(),
        blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}),
        prefix: `run${++run}/`,
        poolSize: 4,
      });
    },
    async started(): Promise<SharedBackend> {
      const {cluster, s3} = await start();
      return {...backend, cluster, s3};
    },
    async stop() {
      if (!services) return;
      const {cluster, s3} = await services;
      await Promise.all([cluster.stop(), s3.stop()]);
    },
  };
  return backend;
}
