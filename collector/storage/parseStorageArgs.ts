// The storage flags of the command line (cli/parseCliArgs.ts keeps the rest).
import {parseBlobsUrl} from './s3/parseBlobsUrl';

export interface StorageArgs {
  database?: string;
  blobs?: string;
  s3Endpoint?: string;
  retentionDays?: number;
}

export function parseStorageArgs(values: {database?: string; blobs?: string; 's3-endpoint'?: string; 'retention-days'?: string}): StorageArgs {
  const args: StorageArgs = {};
  if (values.database !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(values.database)) throw new Error(`--database ${values.database}: give a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
    args.database = values.database;
  }
  if (values.blobs !== undefined) {
    parseBlobsUrl(values.blobs);
    args.blobs = values.blobs;
  }
  if ((args.database === undefined) !== (args.blobs === undefined)) {
    throw new Error('--database and --blobs go together: PostgreSQL keeps the index, the object store the events (give both, or neither for files under --data)');
  }
  if (values['s3-endpoint'] !== undefined) {
    if (!/^https?:\/\/[^/]/.test(values['s3-endpoint'])) throw new Error(`--s3-endpoint ${values['s3-endpoint']}: give the store's http:// or https:// address`);
    if (args.blobs === undefined) throw new Error('--s3-endpoint is the address of the --blobs store: give --database and --blobs too');
    args.s3Endpoint = values['s3-endpoint'];
  }
  const days = values['retention-days'];
  if (days !== undefined) {
    args.retentionDays = Number(days);
    if (!days || !Number.isFinite(args.retentionDays) || args.retentionDays <= 0) throw new Error(`--retention-days ${days}: give a number of days greater than 0`);
  }
  return args;
}
