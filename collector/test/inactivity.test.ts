import {test} from 'node:test';
import assert from 'node:assert/strict';
import {setTimeout as sleep} from 'node:timers/promises';
import {collectorFor, startSession} from './helpers';

test('a session idle past the inactivity timeout is not resumed, even with a valid token', async () => {
  const {url} = await collectorFor({inactivityTimeoutSeconds: 1});
  const first = await startSession(url);
  assert.equal((await startSession(url, {token: first.sessionToken})).sessionID, first.sessionID);
  await sleep(1200);
  const later = await startSession(url, {token: first.sessionToken, sessionHash: first.sessionHash});
  assert.notEqual(later.sessionID, first.sessionID);
  assert.equal(later.resumed, false);
});
