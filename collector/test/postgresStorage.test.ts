// The storage conformance suite against PostgreSQL + an S3-compatible store,
// each started for this file (storage/test/postgresCluster.ts, s3Server.ts).
// Skipped, saying why, only where the PostgreSQL server is not installed
// (and REQUIRE_POSTGRES=1 is not set: then it fails).
import {after, test} from 'node:test';
import {ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import {createS3BlobStore} from '../storage/s3/createS3BlobStore';
import {storageConformance} from '../storage/test/conformance';
import {skipWithoutPostgres, startPostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server} from '../storage/test/s3Server';

const skip = skipWithoutPostgres();
if (skip) {
  test('storage conformance: PostgreSQL + S3', {skip}, () => {});
} else {
  const cluster = await startPostgresCluster();
  const s3 = await startS3Server();
  const client = new S3Client({endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: s3.credentials});
  after(async () => {
    client.destroy();
    await cluster.stop();
    await s3.stop();
  });
  let run = 0;

  storageConformance('PostgreSQL + S3', async () => {
    const database = await cluster.createDatabase();
    const prefix = `run${++run}/`;
    const open = async () =>
      createPostgresStorage({
        connectionString: database,
        blobs: await createS3BlobStore({bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials}),
        prefix,
        poolSize: 4,
      });
    const storage = await open();
    return {
      storage,
      concurrent: true,
      another: open,
      async storedBodies(sessionID) {
        const listed = await client.send(new ListObjectsV2Command({Bucket: s3.bucket, Prefix: `${prefix}sessions/${sessionID}/`}));
        return listed.KeyCount ?? 0;
      },
      async crashWhileStoring({sessionID, pageID, seq, body}) {
        await storage.close();
        // Killed between the two steps: the object is in the store, its manifest row never committed.
        const Key = `${prefix}sessions/${sessionID}/${pageID}/${String(seq).padStart(6, '0')}-deadbeef0000.json`;
        await client.send(new PutObjectCommand({Bucket: s3.bucket, Key, Body: body}));
      },
    };
  });
}
