// Batch bodies in an S3-compatible object store (AWS S3, MinIO, R2, Ceph
// RGW, s3rver in the tests). Credentials and region come from the standard
// AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, profiles) unless given. With an
// endpoint of its own (anything but AWS), path-style addressing is used:
// MinIO-like stores serve `endpoint/bucket/key`, not `bucket.endpoint/key`.
import {DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3';
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {BlobStore} from './blobStore';

export interface S3BlobStoreOptions {
  bucket: string;
  endpoint?: string;
  region?: string;
  credentials?: {accessKeyId: string; secretAccessKey: string};
}

export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined);
  const client = new S3Client({
    endpoint,
    forcePathStyle: endpoint !== undefined,
    region: options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1'),
    ...(options.credentials && {credentials: options.credentials}),
    // Checksums only where S3 demands them: several S3-compatible stores
    // refuse the newer checksum headers and chunked uploads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
  const Bucket = options.bucket;

  async function send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asStorageError(error, `object store (bucket ${Bucket}): ${what}`);
    }
  }

  return {
    async put(key, body) {
      await send(`put ${key}`, () => client.send(new PutObjectCommand({Bucket, Key: key, Body: body, ContentType: 'application/json'})));
    },

    async get(key) {
      return send(`get ${key}`, async () => {
        const answer = await client.send(new GetObjectCommand({Bucket, Key: key}));
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
