// The storage the command line asks for: files under --data by default, or
// PostgreSQL (--database) with an S3-compatible store (--blobs), which go
// together: the database indexes what the store holds.
//
// The PostgreSQL client and the AWS SDK are loaded by their backend's
// factory, when it is called, never at the top of a module: the embedded
// default starts without loading either (collector/test/lazyBackends.test.ts).
import {createFileStorage} from './file/createFileStorage';
import {createPostgresStorage} from './postgres/createPostgresStorage';
import {createS3BlobStore} from './s3/createS3BlobStore';
import {parseBlobsUrl} from './s3/parseBlobsUrl';
import type {Storage} from './storage';

export interface StorageChoice {
  dataDir: string;
  /** postgres://… */
  database?: string;
  /** s3://BUCKET/PREFIX */
  blobs?: string;
  s3Endpoint?: string;
  log?: (line: string) => void;
  /** The collector's worker script (dist/collector-worker.js), for the file storage's page writes. */
  workerUrl?: URL;
  /** For crash tests only (see FileStorageOptions). */
  pageWriteDelayMs?: number;
}

export async function openStorage(choice: StorageChoice): Promise<Storage> {
  if (!choice.database && !choice.blobs) return createFileStorage(choice.dataDir, {log: choice.log, workerUrl: choice.workerUrl, pageWriteDelayMs: choice.pageWriteDelayMs});
  if (!choice.database || !choice.blobs) {
    throw new Error('--database and --blobs go together: PostgreSQL keeps the index, the object store the events (give both, or neither for files under --data)');
  }
  const {bucket, prefix} = parseBlobsUrl(choice.blobs);
  const storage = await createPostgresStorage({
    connectionString: choice.database,
    blobs: await createS3BlobStore({bucket, endpoint: choice.s3Endpoint}),
    prefix,
    log: choice.log,
  });
  choice.log?.(`sessions indexed in ${withoutPassword(choice.database)}, events in s3://${bucket}/${prefix}`);
  return storage;
}

/** The database address without its password, for logs. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the database';
  }
}
