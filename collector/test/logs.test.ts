import {test} from 'node:test';
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {createLogger} from '../ops/createLogger';
import {StorageUnavailable} from '../lib/storageUnavailable';
import {createFileStorage} from '../storage/file/createFileStorage';
import type {Storage} from '../storage/storage';
import {collectorFor, custom, events, getJson, sendBatch, startSession, tempDir} from './helpers';
import {handshakeFrom} from './opsHelpers';

function captured(level: 'debug' | 'info' | 'warn' | 'error' = 'debug') {
  const lines: string[] = [];
  const logger = createLogger({level, write: (line) => lines.push(line), now: () => Date.UTC(2026, 0, 2, 3, 4, 5)});
  return {logger, lines, entries: () => lines.map((line) => JSON.parse(line))};
}

test('a log line is one JSON object with time, level and event, and levels below the chosen one are left out', () => {
  const {logger, lines, entries} = captured('info');
  logger.debug('too_chatty', {n: 1});
  logger.info('shutdown_started', {signal: 'SIGTERM'});
  logger.warn('storage_unavailable', {error: Object.assign(new Error('no space'), {code: 'ENOSPC'})});
  assert.equal(lines.length, 2);
  assert.ok(lines.every((line) => !line.includes('\n')));
  const [started, unavailable] = entries();
  assert.deepEqual(started, {time: '2026-01-02T03:04:05.000Z', level: 'info', event: 'shutdown_started', signal: 'SIGTERM'});
  assert.equal(unavailable.error.code, 'ENOSPC');
  assert.equal(unavailable.error.message, 'no space');
});

test('fields that look like credentials or recorded content are never written', () => {
  const {logger, entries} = captured();
  logger.info('careless', {sessionToken: 't0ken', authorization: 'Bearer x', readSecret: 's', body: '[...]', events: [1], payload: {p: 1}, route: '/v1/web/i'});
  const [entry] = entries();
  for (const key of ['sessionToken', 'authorization', 'readSecret', 'body', 'events', 'payload']) assert.equal(entry[key], '[not logged]', key);
  assert.equal(entry.route, '/v1/web/i');
});

test('a collector logging at debug writes no token, no access key and no event content', async () => {
  const {logger, lines, entries} = captured();
  const readSecret = 'access-key-never-logged';
  const {port} = await collectorFor({host: '0.0.0.0', adminKey: readSecret, logger, trustedProxies: 1, rateLimits: {handshakesPerAddress: {perSecond: 0.01, burst: 1}}});
  const url = `http://127.0.0.1:${port}`;
  const grant = await startSession(url, {}, {'X-Forwarded-For': '198.51.100.4'});
  await sendBatch(url, grant.sessionToken, 1, 0, [...events(2), custom('tracker.identify', {userID: 'private-user-marker'})]);
  await sendBatch(url, `${grant.sessionToken}x`, 1, 1, events(1));
  await handshakeFrom(url, undefined, {}, {'X-Forwarded-For': '198.51.100.4'});
  await getJson(url, `/api/sessions/${grant.sessionID}/events`, {Authorization: `Bearer ${readSecret}`});
  await fetch(`${url}/api/login`, {method: 'POST', body: JSON.stringify({key: readSecret})});

  assert.ok(entries().some((entry) => entry.event === 'rate_limited' && entry.limit === 'handshake_per_address'), 'the 429 is logged at debug');
  const all = lines.join('\n');
  for (const secret of [grant.sessionToken, grant.sessionHash, readSecret, 'private-user-marker']) assert.ok(!all.includes(secret), `logged: ${secret}`);
});

test('an unexpected failure is logged once as request_failed with its route, and answered 500', async () => {
  const {logger, entries} = captured('error');
  const files = await createFileStorage(await tempDir());
  // Not a full disk nor a backend out of reach: a bug, answered 500.
  const storage: Storage = {
    ...files,
    async putBatch() {
      throw new TypeError('something nobody expected');
    },
  };
  const {url} = await collectorFor({logger, storage});
  const grant = await startSession(url);
  assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).status, 500);
  const failed = entries().filter((entry) => entry.event === 'request_failed');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].route, '/v1/web/i');
  assert.equal(failed[0].error.message, 'something nobody expected');
});

test('a storage outage is logged when it begins and when it ends, not once per refused request', async () => {
  const {logger, entries} = captured('info');
  const files = await createFileStorage(await tempDir());
  let down = false;
  const storage: Storage = {
    ...files,
    async putBatch(batch) {
      if (down) throw new StorageUnavailable('the object store is out of reach', 7);
      return files.putBatch(batch);
    },
  };
  const {url} = await collectorFor({storage, logger});
  const grant = await startSession(url);
  down = true;
  for (let i = 0; i < 3; i++) {
    const refused = await sendBatch(url, grant.sessionToken, 1, 0, events(2));
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '7', 'the backend says how long');
  }
  down = false;
  assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(2))).status, 200);
  const outage = entries().filter((entry) => entry.event.startsWith('storage_'));
  assert.deepEqual(
    outage.map((entry) => [entry.event, entry.level]),
    [
      ['storage_unavailable', 'warn'],
      ['storage_recovered', 'info'],
    ],
  );
  assert.equal(outage[1].failedRequests, 3);
});
