// The file storage's group commit (storage/file/journal.ts) under SIGKILL:
// the built collector (dist/collector.js, worker threads and all) is killed
// again and again while many tabs send batches at once, and restarted on the
// same data directory. Every batch it acknowledged is there afterwards, whole,
// once, in order; those cut off are stored when sent again, as the tracker
// sends them.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {startCollectorProcess} from './collectorProcess';
import {getJson, sendBatch, startSession, tempDir, type Grant} from './helpers';

const SCRIPT = 'dist/collector.js';
const TABS = 12;
const KILLS = 5;
const EVENTS_PER_BATCH = 15;

const batch = (tab: number, seq: number) =>
  Array.from({length: EVENTS_PER_BATCH}, (_, k) => ({type: 3, timestamp: 1_000_000 + seq * 100 + k, data: {tab, seq, k, pad: 'x'.repeat(300 + ((seq * 7 + k) % 500))}}));

// Page files held back for longer than the kills are apart: what a kill
// leaves of the last batches is in the journal alone, and start-up must
// bring it back.
const env = {...process.env, TRACKER_TEST_PAGE_WRITE_DELAY_MS: '1500'};

const startProcess = (dataDir: string) => startCollectorProcess(SCRIPT, ['--port', '0', '--data', dataDir], env);

test('SIGKILL again and again during concurrent ingest loses no acknowledged batch: each is stored whole, once, in order', {timeout: 120_000}, async () => {
  assert.ok(existsSync(SCRIPT), `${SCRIPT} is missing: run node build.mjs first`);
  const dataDir = await tempDir();
  let running = await startProcess(dataDir);
  const grants: Grant[] = [];
  for (let tab = 0; tab < TABS; tab++) grants.push(await startSession(running.url));
  const acknowledged = grants.map(() => new Set<number>());
  const nextSeq = grants.map(() => 0);
  let inFlightAtKills = 0;
  let inFlight = 0;
  let stopping = false;

  // A tab as the tracker is: one request at a time, the same batch again until it is acknowledged.
  const tab = async (index: number) => {
    while (!stopping) {
      const seq = nextSeq[index];
      inFlight++;
      try {
        // Half of the tabs send gzip, as browsers with CompressionStream do.
        const reply = await sendBatch(running.url, grants[index].sessionToken, 1, seq, batch(index, seq), {gzip: index % 2 === 0});
        if (reply.status === 200) {
          acknowledged[index].add(seq);
          nextSeq[index]++;
        }
      } catch {
        // Cut off by the kill, or sent to a collector not up yet: sent again.
        await sleep(20);
      } finally {
        inFlight--;
      }
    }
  };
  const tabs = grants.map((_, index) => tab(index));

  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(400 + kill * 150);
    inFlightAtKills += inFlight;
    running.child.kill('SIGKILL');
    await running.exited;
    running = await startProcess(dataDir);
  }
  await sleep(400);
  stopping = true;
  await Promise.all(tabs);
  running.child.kill('SIGTERM');
  await running.exited;

  assert.ok(inFlightAtKills >= KILLS, `the kills landed with requests under way (${inFlightAtKills} in all)`);
  const total = acknowledged.reduce((sum, seqs) => sum + seqs.size, 0);
  assert.ok(total >= TABS * 10, `enough batches went through: ${total}`);

  const after = await startProcess(dataDir);
  try {
    for (let index = 0; index < TABS; index++) {
      const {json: session} = await getJson(after.url, `/api/sessions/${grants[index].sessionID}/events`);
      const events: Array<{data: {tab: number; seq: number; k: number}}> = session.pages[0].events;
      const seqs = [...new Set(events.map((event) => event.data.seq))];
      // In order, each batch whole and once: exactly the events sent, nothing in between.
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `tab ${index}: batches out of order`);
      assert.deepEqual(events, seqs.flatMap((seq) => batch(index, seq)), `tab ${index}: a batch is partial, repeated or altered`);
      for (const seq of acknowledged[index]) assert.ok(seqs.includes(seq), `tab ${index}: acknowledged batch ${seq} is missing`);
      // The tabs resent until acknowledged: nothing beyond what they last sent.
      assert.ok(seqs.every((seq) => seq <= nextSeq[index]), `tab ${index}: a batch never sent`);
      assert.equal(session.pages[0].eventCount, events.length, `tab ${index}: the event count after the crashes`);
    }
  } finally {
    after.child.kill('SIGTERM');
    await after.exited;
  }
});
