// The audit log through the HTTP API, on both storage backends: logins and
// failed logins, replays opened, erasures, and a key's first use from an
// address; GET /api/audit for admins; never event content.
import {after, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {hashSecret} from '../access/accessKeys';
import {fileBackend, postgresBackend} from '../storage/test/backendsForTests';
import {ADMIN, collectorFor, custom, events, getJson, sendBatch, startSession} from './helpers';

const backends = [fileBackend(), postgresBackend()];
after(async () => {
  for (const backend of backends) await backend.stop();
});

const VIEWER_KEY = 'audited-viewer-key-0123456789';
const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {method: 'POST', headers: {'Content-Type': 'application/json', ...headers}, body: JSON.stringify(body)});

for (const backend of backends) {
  describe(`audit log: ${backend.name}`, {skip: backend.skip}, () => {
    test('logins, a failed login, a replay opened and an erasure are in the audit log, with who, what, when and from where', async () => {
      const {url} = await collectorFor({storage: await backend.open(), trustedProxies: 1, keys: [{name: 'support', role: 'viewer', projects: null, hash: hashSecret(VIEWER_KEY)}]});
      const grant = await startSession(url, {userID: 'user-42'});
      await sendBatch(url, grant.sessionToken, 1, 0, [...events(2), custom('tracker.event', {name: 'private-event-content'})]);
      const from = (address: string) => ({'X-Forwarded-For': address});
      const startedAt = Date.now();

      assert.equal((await post(url, '/api/login', {key: 'a-wrong-key'}, from('203.0.113.7'))).status, 401);
      const login = await post(url, '/api/login', {key: VIEWER_KEY}, from('198.51.100.20'));
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}/events`, {Cookie: cookie, ...from('198.51.100.20')})).status, 200);
      const erased = await fetch(`${url}/api/sessions?userID=user-42`, {method: 'DELETE', headers: {...ADMIN, ...from('192.0.2.5')}});
      assert.deepEqual(await erased.json(), {erased: [grant.sessionID]});

      const {status, json} = await getJson(url, '/api/audit', {...ADMIN, ...from('192.0.2.5')});
      assert.equal(status, 200);
      const entries = json.entries.reverse();
      const pick = ({actor, action, address, sessionID, userID}: any) => ({actor, action, address, sessionID, userID});
      assert.deepEqual(entries.map(pick), [
        {actor: null, action: 'login_failed', address: '203.0.113.7', sessionID: undefined, userID: undefined},
        {actor: 'support', action: 'login', address: '198.51.100.20', sessionID: undefined, userID: undefined},
        {actor: 'support', action: 'replay_opened', address: '198.51.100.20', sessionID: grant.sessionID, userID: 'user-42'},
        {actor: 'admin', action: 'key_new_address', address: '192.0.2.5', sessionID: undefined, userID: undefined},
        {actor: 'admin', action: 'erase', address: '192.0.2.5', sessionID: undefined, userID: 'user-42'},
      ]);
      assert.ok(entries.every((entry: any) => entry.at >= startedAt && entry.at <= Date.now()));
      assert.match(entries[4].detail, new RegExp(`1 sessions of the user: ${grant.sessionID}`));
      assert.ok(!JSON.stringify(json).includes('private-event-content'), 'no event content');
      // Kept by the erasure that removed the session they are about.
      assert.deepEqual((await getJson(url, `/api/audit?sessionID=${grant.sessionID}`)).json.entries.map((entry: any) => entry.action), ['replay_opened']);
    });

    test('the audit log is for admins', async () => {
      const {url} = await collectorFor({storage: await backend.open(), keys: [{name: 'support', role: 'viewer', projects: null, hash: hashSecret(VIEWER_KEY)}]});
      assert.equal((await getJson(url, '/api/audit', {})).status, 401);
      assert.equal((await getJson(url, '/api/audit', {Authorization: `Bearer ${VIEWER_KEY}`})).status, 403);
    });
  });
}
