import {test} from 'node:test';
import assert from 'node:assert/strict';
import {request} from 'node:http';
import {mkdir, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {startCollector} from '../server';
import {collectorFor, custom, events, getJson, sendBatch, startSession, tempDir} from './helpers';

test('the generated signing secret is kept: a token from before a restart still writes', async () => {
  const dataDir = await tempDir();
  const before = await startCollector({dataDir});
  const grant = await startSession(before.url);
  await before.close();
  assert.equal((await stat(join(dataDir, 'secret'))).mode & 0o777, 0o600);

  const after = await collectorFor({dataDir});
  assert.equal((await sendBatch(after.url, grant.sessionToken, 1, 0, events(2))).status, 200);
  assert.equal((await startSession(after.url, {sessionHash: grant.sessionHash})).sessionID, grant.sessionID);
});

test('what batches changed in a session is written on close and there after a restart', async () => {
  const dataDir = await tempDir();
  const before = await startCollector({dataDir});
  const grant = await startSession(before.url);
  await sendBatch(before.url, grant.sessionToken, 1, 0, [...events(3), custom('tracker.identify', {userID: 'u-9'})]);
  await before.close();

  const after = await collectorFor({dataDir});
  const {json: session} = await getJson(after.url, `/api/sessions/${grant.sessionID}`);
  assert.equal(session.userID, 'u-9');
  assert.equal(session.pages[0].eventCount, 4);
  assert.equal(session.customEventCount, 1);
});

test('after a crash before session.json caught up, event counts are recovered from the batch files', async () => {
  const dataDir = await tempDir();
  const before = await startCollector({dataDir});
  const grant = await startSession(before.url);
  await sendBatch(before.url, grant.sessionToken, 1, 0, events(3));
  await sendBatch(before.url, grant.sessionToken, 1, 1, events(4, 3));
  await before.close();
  // The crash: session.json as it was before the batches, no clean-shutdown
  // marker, and the temporary file of a write that never finished.
  const sessionFile = join(dataDir, 'sessions', grant.sessionID, 'session.json');
  const record = JSON.parse(await readFile(sessionFile, 'utf8'));
  record.pages[0].eventCount = 0;
  await writeFile(sessionFile, JSON.stringify(record));
  await rm(join(dataDir, 'clean-shutdown'));
  const pageDir = join(dataDir, 'sessions', grant.sessionID, '1');
  await writeFile(join(pageDir, '000002.5.json.1234.1.tmp'), '[{"type":3,');

  const after = await collectorFor({dataDir});
  const {json: session} = await getJson(after.url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(session.pages[0].eventCount, 7);
  assert.deepEqual(session.pages[0].events, events(7));
  assert.deepEqual((await readdir(pageDir)).sort(), ['000000.3.json', '000001.4.json']);
});

test('an upload cut off mid-body stores nothing, and the batch can be sent again', async () => {
  const {url, dataDir} = await collectorFor();
  const grant = await startSession(url);
  const body = JSON.stringify(events(50));
  await new Promise<void>((resolve) => {
    const target = new URL(`${url}/v1/web/i?page=1&seq=0`);
    const req = request(target, {method: 'POST', headers: {Authorization: `Bearer ${grant.sessionToken}`, 'Content-Length': String(body.length)}});
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(body.slice(0, body.length / 2), () => setTimeout(() => req.destroy(), 50));
  });
  await sleep(100);
  const pageDir = join(dataDir, 'sessions', grant.sessionID, '1');
  assert.deepEqual(await readdir(pageDir), []);
  assert.equal((await getJson(url, '/api/sessions')).json.sessions.find((s: any) => s.sessionID === grant.sessionID).pages[0].eventCount, 0);

  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, events(50))).json, {ok: true, duplicate: false});
  assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events.length, 50);
});

test('a write that fails after its temporary file was written leaves no partial batch', async () => {
  const {url, dataDir} = await collectorFor({logError: () => {}});
  const grant = await startSession(url);
  const pageDir = join(dataDir, 'sessions', grant.sessionID, '1');
  // A directory where the batch's final file goes: the rename over it fails,
  // as a full disk or a crash between write and rename would leave things.
  const blocker = join(pageDir, '000000.3.json');
  await mkdir(join(blocker, 'in-the-way'), {recursive: true});

  const failed = await sendBatch(url, grant.sessionToken, 1, 0, events(3));
  assert.equal(failed.status, 500);
  assert.match(failed.json.error, /try again/);
  assert.deepEqual(await readdir(pageDir), ['000000.3.json']); // only the blocker: no temporary file, no batch
  const {json: listed} = await getJson(url, '/api/sessions');
  assert.equal(listed.sessions.find((s: any) => s.sessionID === grant.sessionID).pages[0].eventCount, 0);

  await rm(blocker, {recursive: true});
  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).json, {ok: true, duplicate: false});
  assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, events(3));
});
