// A throwaway S3-protocol server for tests: s3rver in this process on
// 127.0.0.1, a free port, a temporary directory, one bucket.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** What s3rver accepts; also set as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for a collector started as a process. */
  credentials: {accessKeyId: string; secretAccessKey: string};
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'replays'): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 's3-test-'));
  const server = new S3rver({port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: [{name: bucket}]});
  const {port} = (await server.run()) as {port: number};
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: {accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER'},
    async stop() {
      await server.close();
      rmSync(directory, {recursive: true, force: true});
    },
  };
}
