// SIGKILL of a collector on PostgreSQL + S3 in the middle of ingest loses no
// batch it acknowledged, and leaves no partial one: another collector on the
// same database and store reads every acknowledged batch, whole, in order.
import {after, test} from 'node:test';
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {build} from 'esbuild';
import {skipWithoutPostgres, startPostgresCluster} from '../storage/test/postgresCluster';
import {startS3Server} from '../storage/test/s3Server';
import {startCollectorProcess} from './collectorProcess';
import {getJson, sendBatch, startSession, tempDir} from './helpers';

const EVENTS_PER_BATCH = 20;
const batch = (seq: number) => Array.from({length: EVENTS_PER_BATCH}, (_, k) => ({type: 3, timestamp: 1_000_000 + seq * 100 + k, data: {seq, k, pad: 'x'.repeat(200)}}));

const skip = skipWithoutPostgres();
if (skip) {
  test('SIGKILL during ingest loses no acknowledged batch (PostgreSQL + S3)', {skip}, () => {});
} else {
  const [cluster, s3] = await Promise.all([startPostgresCluster(), startS3Server()]);
  after(async () => {
    await cluster.stop();
    await s3.stop();
  });
  const bundleDir = await tempDir();
  const script = join(bundleDir, 'collector.js');
  await build({
    entryPoints: ['collector/main.ts'],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: {js: "import {createRequire as __createRequire} from 'node:module'; const require = __createRequire(import.meta.url);"},
  });
  const database = await cluster.createDatabase();

  async function startProcess() {
    const args = ['--port', '0', '--data', await tempDir(), '--database', database, '--blobs', `s3://${s3.bucket}/kill`, '--s3-endpoint', s3.endpoint];
    const env = {...process.env, TRACKER_SECRET: 'kill-test-secret', AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1'};
    return startCollectorProcess(script, args, env);
  }

  test('SIGKILL during ingest loses no acknowledged batch (PostgreSQL + S3)', async () => {
    const first = await startProcess();
    const grant = await startSession(first.url);
    const acknowledged = new Set<number>();
    let next = 0;
    let killed = false;
    // Four senders at once, as a busy collector has: the kill lands with requests under way.
    const sender = async () => {
      while (!killed) {
        const seq = next++;
        try {
          const reply = await sendBatch(first.url, grant.sessionToken, 1, seq, batch(seq));
          if (reply.status === 200) acknowledged.add(seq);
        } catch {
          // Cut off by the kill: not acknowledged, so the tracker would send it again.
        }
        if (acknowledged.size >= 40 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    await new Promise((resolve) => (first.child.exitCode !== null || first.child.signalCode !== null ? resolve(null) : first.child.once('exit', resolve)));

    const second = await startProcess();
    try {
      const {json: session} = await getJson(second.url, `/api/sessions/${grant.sessionID}/events`);
      const events: Array<{data: {seq: number; k: number}}> = session.pages[0].events;
      const stored = [...new Set(events.map((event) => event.data.seq))];
      for (const seq of acknowledged) assert.ok(stored.includes(seq), `acknowledged batch ${seq} is missing`);
      // Whole batches only, in seq order.
      assert.equal(events.length, stored.length * EVENTS_PER_BATCH);
      assert.deepEqual(stored, [...stored].sort((a, b) => a - b));
      assert.equal(session.pages[0].eventCount, events.length);
      // And the ones cut off can be sent again and are stored.
      const missing = Array.from({length: next}, (_, seq) => seq).filter((seq) => !stored.includes(seq));
      for (const seq of missing) assert.equal((await sendBatch(second.url, grant.sessionToken, 1, seq, batch(seq))).json.duplicate, false);
      const {json: complete} = await getJson(second.url, `/api/sessions/${grant.sessionID}/events`);
      assert.equal(complete.pages[0].events.length, next * EVENTS_PER_BATCH);
    } finally {
      second.child.kill('SIGTERM');
    }
  });
}
