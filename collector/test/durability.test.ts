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

test('a batch whose page file cannot be written yet is acknowledged from the journal, read from memory, and written once it can', async () => {
  const {url, dataDir} = await collectorFor({logError: () => {}});
  const grant = await startSession(url);
  const pageDir = join(dataDir, 'sessions', grant.sessionID, '1');
  // A directory where the batch's page file goes: renaming the file into
  // place fails, as it would on a disk that filled up after the journal write.
  const blocker = join(pageDir, '000000.3.json');
  await mkdir(join(blocker, 'in-the-way'), {recursive: true});

  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).json, {ok: true, duplicate: false});
  assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, events(3));
  // The page file's write fails in the background and cleans up after itself.
  for (let i = 0; i < 50 && (await readdir(pageDir)).length > 1; i++) await sleep(20);
  assert.deepEqual(await readdir(pageDir), ['000000.3.json'], 'only the blocker: no temporary file left');
  assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).json.duplicate, true);

  await rm(blocker, {recursive: true});
  // The next checkpoint (every 2 s) writes it.
  for (let i = 0; i < 100 && !(await readdir(pageDir)).includes('000000.3.json'); i++) await sleep(100);
  assert.deepEqual(JSON.parse(await readFile(join(pageDir, '000000.3.json'), 'utf8')), events(3));
});

test('an acknowledged batch whose page file could not be written survives a restart through the journal', async () => {
  const dataDir = await tempDir();
  const before = await startCollector({dataDir, logError: () => {}});
  const grant = await startSession(before.url);
  const pageDir = join(dataDir, 'sessions', grant.sessionID, '1');
  const blocker = join(pageDir, '000000.3.json');
  await mkdir(join(blocker, 'in-the-way'), {recursive: true});
  assert.equal((await sendBatch(before.url, grant.sessionToken, 1, 0, [...events(2), custom('tracker.error', {message: 'boom'})])).status, 200);
  // The last checkpoint cannot write the page file: the journal keeps the batch, and no clean-shutdown marker is left.
  await before.close();
  await assert.rejects(stat(join(dataDir, 'clean-shutdown')));
  await rm(blocker, {recursive: true});

  const after = await collectorFor({dataDir});
  const {json: session} = await getJson(after.url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(session.pages[0].eventCount, 3);
  assert.equal(session.errorCount, 1, 'what the batch changed in the session is applied once');
  assert.deepEqual(session.pages[0].events, [...events(2), custom('tracker.error', {message: 'boom'})]);
  assert.deepEqual(await readdir(pageDir), ['000000.3.json']);
});
