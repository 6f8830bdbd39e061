// `--blobs s3://BUCKET/PREFIX`: where batch bodies go.
export interface BlobsLocation {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
}

// The S3 rules for bucket names (3-63 characters, lower case, digits, dots, hyphens).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBlobsUrl(value: string): BlobsLocation {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(value);
  if (!match) throw new Error(`--blobs ${value}: give an S3 location, s3://BUCKET or s3://BUCKET/PREFIX`);
  const [, bucket, rest = ''] = match;
  if (!BUCKET.test(bucket)) throw new Error(`--blobs ${value}: "${bucket}" is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`);
  const prefix = rest.replace(/^\/+|\/+$/g, '');
  return {bucket, prefix: prefix ? `${prefix}/` : ''};
}
