// SIGTERM as an orchestrator sends it, to the built collector
// (`node dist/collector.js`, what `npm test` builds first) under load.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readdir} from 'node:fs/promises';
import {request} from 'node:http';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {collectorFor, events, getJson, tempDir, type Grant} from './helpers';

const SCRIPT = 'dist/collector.js';

async function startBuilt(dataDir: string) {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run "node build.mjs" first (npm test does)`);
  const child = spawn(process.execPath, [SCRIPT, '--port', '0', '--data', dataDir, '--shutdown-grace', '20'], {
    env: {...process.env, TRACKER_SECRET: '', TRACKER_READ_SECRET: ''},
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output}`)), 15_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)\n/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
  });
  return {child, url, exited, output: () => output};
}

interface Acknowledged {
  sessionID: string;
  seq: number;
  eventCount: number;
}

// A batch whose body is sent in two halves, the second when `finish` is called.
function slowUpload(url: string, grant: Grant, seq: number, eventCount: number) {
  const body = JSON.stringify(events(eventCount));
  let finish!: () => void;
  const answered = new Promise<number>((resolve, reject) => {
    const req = request(new URL(`/v1/web/i?page=1&seq=${seq}`, url), {
      method: 'POST',
      headers: {Authorization: `Bearer ${grant.sessionToken}`, 'Content-Type': 'application/json', 'Content-Length': String(body.length)},
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(body.slice(0, body.length / 2));
    finish = () => req.end(body.slice(body.length / 2));
  });
  return {answered, finish: () => finish()};
}

test('SIGTERM under load: requests in progress are answered, every acknowledged batch is stored, exit code 0', async () => {
  const dataDir = await tempDir();
  const collector = await startBuilt(dataDir);
  const grants: Grant[] = [];
  for (let i = 0; i < 8; i++) {
    const response = await fetch(`${collector.url}/v1/web/start`, {method: 'POST', body: JSON.stringify({projectKey: 'demo', url: `http://shop.test/${i}`})});
    grants.push(await response.json());
  }
  const acknowledged: Acknowledged[] = [];
  let signalled = false;
  const failuresBeforeSignal: string[] = [];

  // One tab per session, each sending its batches one after the other as fast as it can.
  const tabs = grants.slice(1).map(async (grant) => {
    for (let seq = 0; ; seq++) {
      const eventCount = 1 + (seq % 5);
      try {
        const response = await fetch(`${collector.url}/v1/web/i?page=1&seq=${seq}`, {
          method: 'POST',
          headers: {Authorization: `Bearer ${grant.sessionToken}`, 'Content-Type': 'application/json'},
          body: JSON.stringify(events(eventCount, seq * 10)),
        });
        await response.arrayBuffer();
        if (response.status === 200) acknowledged.push({sessionID: grant.sessionID, seq, eventCount});
        else if (!signalled) failuresBeforeSignal.push(`status ${response.status}`);
        else return;
      } catch (error) {
        if (!signalled) failuresBeforeSignal.push(String(error));
        // The collector stopped listening: this tab would retry later, elsewhere.
        return;
      }
    }
  });
  const upload = slowUpload(collector.url, grants[0], 0, 20);

  while (acknowledged.length < 100) await sleep(10);
  signalled = true;
  collector.child.kill('SIGTERM');
  await sleep(200);
  // Begun before the signal, finished after it: still stored and acknowledged.
  upload.finish();
  assert.equal(await upload.answered, 200);
  acknowledged.push({sessionID: grants[0].sessionID, seq: 0, eventCount: 20});

  await Promise.all(tabs);
  const code = await Promise.race([collector.exited, sleep(40_000, 'still running', {ref: false})]);
  assert.equal(code, 0, collector.output());
  assert.deepEqual(failuresBeforeSignal, []);
  assert.match(collector.output(), /"event":"shutdown_started","signal":"SIGTERM"/);
  assert.match(collector.output(), /"event":"shutdown_complete"/);

  // Every acknowledged batch is on disk, and counted after a restart.
  for (const {sessionID, seq, eventCount} of acknowledged) {
    const names = await readdir(join(dataDir, 'sessions', sessionID, '1'));
    assert.ok(names.includes(`${String(seq).padStart(6, '0')}.${eventCount}.json`), `${sessionID} seq ${seq} missing`);
  }
  const restarted = await collectorFor({dataDir});
  for (const grant of grants) {
    const expected = acknowledged.filter((batch) => batch.sessionID === grant.sessionID).reduce((sum, batch) => sum + batch.eventCount, 0);
    const {json: session} = await getJson(restarted.url, `/api/sessions/${grant.sessionID}`);
    // A batch cut off unanswered by the shutdown may be stored too: never fewer than acknowledged.
    assert.ok(session.pages[0].eventCount >= expected, `${grant.sessionID}: ${session.pages[0].eventCount} events stored, ${expected} acknowledged`);
  }
});
