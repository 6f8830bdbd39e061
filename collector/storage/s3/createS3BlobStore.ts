// Batch bodies in an S3-compatible object store (AWS S3, MinIO, R2, Ceph
// RGW, s3rver in the tests). Credentials and region come from the standard
// AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, profiles) unless given. With an
// endpoint of its own (anything but AWS), path-style addressing is used:
// MinIO-like stores serve `endpoint/bucket/key`, not `bucket.endpoint/key`.
//
// No request waits without a bound (the SDK's default is to wait forever):
// a store that hangs fails the request as StorageUnavailable within
// `timeoutMs` of silence, and the collector answers 503.
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {BlobStore} from './blobStore';
import {retryUnlessTimedOut} from './retryUnlessTimedOut';

export interface S3BlobStoreOptions {
  bucket: string;
  endpoint?: string;
  region?: string;
  credentials?: {accessKeyId: string; secretAccessKey: string};
  /**
   * How long connecting, or a request whose bytes stopped moving, may take
   * before it fails as StorageUnavailable (default 5000 ms). Timeouts are not retried.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;

export async function createS3BlobStore(options: S3BlobStoreOptions): Promise<BlobStore> {
  // Loaded here, not at the top: a collector on the file backend never loads the AWS SDK.
  const {DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client} = await import('@aws-sdk/client-s3');
  const endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new S3Client({
    endpoint,
    forcePathStyle: endpoint !== undefined,
    region: options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1'),
    ...(options.credentials && {credentials: options.credentials}),
    // Checksums only where S3 demands them: several S3-compatible stores
    // refuse the newer checksum headers and chunked uploads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    retryStrategy: retryUnlessTimedOut(3),
    requestHandler: {
      connectionTimeout: timeoutMs,
      // Silence on the socket, either way: a store that hangs. A large
      // upload that keeps moving is not cut by this...
      socketTimeout: timeoutMs,
      // ...but one attempt, upload and answer, is bounded all the same.
      requestTimeout: 6 * timeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    },
  });
  const Bucket = options.bucket;

  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asStorageError(error, `object store (bucket ${Bucket}): ${what}`);
    }
  }

  const store: BlobStore = {
    async put(key, body) {
      const ContentType = key.endsWith('.gz') ? 'application/gzip' : key.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      await send(`put ${key}`, () => client.send(new PutObjectCommand({Bucket, Key: key, Body: body, ContentType})));
    },

    async get(key) {
      return send(`get ${key}`, async () => {
        const answer = await client.send(new GetObjectCommand({Bucket, Key: key}));
        return Buffer.from(await answer.Body!.transformToByteArray());
      });
    },

    async getRange(key, offset, length) {
      return send(`get ${key} from byte ${offset}`, async () => {
        const answer = await client.send(new GetObjectCommand({Bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}`}));
        return Buffer.from(await answer.Body!.transformToByteArray());
      });
    },

    async deleteKeys(keys) {
      // DeleteObjects takes at most 1,000 keys.
      for (let i = 0; i < keys.length; i += 1000) {
        const Objects = keys.slice(i, i + 1000).map((Key) => ({Key}));
        await send(`delete ${Objects.length} objects`, () => client.send(new DeleteObjectsCommand({Bucket, Delete: {Objects, Quiet: true}})));
      }
    },

    async deletePrefix(prefix) {
      let ContinuationToken: string | undefined;
      do {
        const page = await send(`list ${prefix}`, () => client.send(new ListObjectsV2Command({Bucket, Prefix: prefix, ContinuationToken})));
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
        if (keys.length) await this.deleteKeys(keys);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    close() {
      client.destroy();
    },
  };
  return store;
}

// Out of reach, throttled or failing on its side: "not now" (503 and the
// tracker retries). A refusal (no such bucket, access denied) is a
// configuration to fix, and stays an error.
function asStorageError(error: unknown, what: string): Error {
  const status = (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode;
  const message = `${what}: ${(error as Error)?.message ?? error}`;
  if (status === undefined || status >= 500 || status === 429 || status === 408) return new StorageUnavailable(message, 5, {cause: error});
  return new Error(message, {cause: error});
}
