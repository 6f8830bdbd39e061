import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parseCliArgs} from '../cli/parseCliArgs';
import {parseBlobsUrl} from '../storage/s3/parseBlobsUrl';

test('--database, --blobs, --s3-endpoint and --retention-days are read from the command line', () => {
  const args = parseCliArgs(['--database', 'postgres://u:p@db:5432/t', '--blobs', 's3://my-replays/prod/eu', '--s3-endpoint', 'http://minio:9000', '--retention-days', '30']);
  assert.equal(args.database, 'postgres://u:p@db:5432/t');
  assert.equal(args.blobs, 's3://my-replays/prod/eu');
  assert.equal(args.s3Endpoint, 'http://minio:9000');
  assert.equal(args.retentionDays, 30);
});

test('the storage flags refuse what cannot work, saying what to give', () => {
  const refusals: Array<[string[], RegExp]> = [
    [['--database', 'postgres://db/t'], /--database and --blobs go together/],
    [['--blobs', 's3://bucket'], /--database and --blobs go together/],
    [['--database', 'mysql://db/t', '--blobs', 's3://bucket'], /PostgreSQL URL/],
    [['--database', 'postgres://db/t', '--blobs', 'bucket/prefix'], /s3:\/\/BUCKET/],
    [['--database', 'postgres://db/t', '--blobs', 's3://No_Such'], /not a valid bucket name/],
    [['--s3-endpoint', 'http://minio:9000'], /give --database and --blobs too/],
    [['--retention-days', '0'], /greater than 0/],
    [['--retention-days', 'week'], /greater than 0/],
  ];
  for (const [argv, message] of refusals) assert.throws(() => parseCliArgs(argv), message, argv.join(' '));
});

test('an S3 location gives its bucket and a prefix ending in a slash, or none', () => {
  assert.deepEqual(parseBlobsUrl('s3://my-replays'), {bucket: 'my-replays', prefix: ''});
  assert.deepEqual(parseBlobsUrl('s3://my-replays/'), {bucket: 'my-replays', prefix: ''});
  assert.deepEqual(parseBlobsUrl('s3://my-replays/prod/eu/'), {bucket: 'my-replays', prefix: 'prod/eu/'});
});
