import {test} from 'node:test';
import assert from 'node:assert/strict';
import {signSessionHash} from '../sessions/tokens';
import {createFileStorage} from '../storage/file/createFileStorage';
import type {Storage} from '../storage/storage';
import {collectorFor, getJson, handshake, startSession, tempDir} from './helpers';

const secret = 'handshake-test-secret';
const collector = await collectorFor({
  secret,
  projects: [
    {key: 'demo', origins: null},
    {key: 'shop', origins: new Set(['http://shop.test'])},
  ],
});
const {url} = collector;

test('a first handshake starts a new session with page 1 and a signed token', async () => {
  const grant = await startSession(url);
  assert.equal(grant.resumed, false);
  assert.equal(grant.pageID, 1);
  assert.match(grant.sessionID, /^[0-9a-z]{1,32}$/);
  assert.ok(grant.sessionHash.startsWith(`${grant.sessionID}.`));
  assert.ok(grant.tokenExpiresAt > Date.now() + 86_000_000);
  assert.ok(Math.abs(grant.startedAt - Date.now()) < 10_000);
});

test('the stored token resumes the session as its next page, with a fresh token', async () => {
  const first = await startSession(url);
  const second = await startSession(url, {token: first.sessionToken});
  assert.equal(second.sessionID, first.sessionID);
  assert.equal(second.resumed, true);
  assert.equal(second.pageID, 2);
  assert.equal(second.startedAt, first.startedAt);
  const {json: session} = await getJson(url, `/api/sessions/${first.sessionID}`);
  assert.deepEqual(session.pages.map((page: any) => page.pageID), [1, 2]);
});

test('forceNew starts a new session even with a valid token', async () => {
  const first = await startSession(url);
  const second = await startSession(url, {token: first.sessionToken, forceNew: true});
  assert.notEqual(second.sessionID, first.sessionID);
  assert.equal(second.resumed, false);
});

test('a session hash from another origin resumes the session', async () => {
  const first = await startSession(url);
  const second = await startSession(url, {sessionHash: first.sessionHash, url: 'https://pay.test/checkout'});
  assert.equal(second.sessionID, first.sessionID);
  assert.equal(second.resumed, true);
  assert.equal(second.pageID, 2);
});

test('a tampered session hash starts a new session', async () => {
  const first = await startSession(url);
  const last = first.sessionHash.at(-1) === 'A' ? 'B' : 'A';
  const second = await startSession(url, {sessionHash: first.sessionHash.slice(0, -1) + last});
  assert.notEqual(second.sessionID, first.sessionID);
  assert.equal(second.resumed, false);
});

test('a token or hash of another project does not resume the session', async () => {
  const first = await startSession(url);
  const second = await startSession(url, {projectKey: 'shop', token: first.sessionToken, sessionHash: signSessionHash(secret, 'demo', first.sessionID)});
  assert.notEqual(second.sessionID, first.sessionID);
});

test('a token that does not verify starts a new session instead of failing', async () => {
  const second = await startSession(url, {token: 'not.a-token'});
  assert.equal(second.resumed, false);
});

test('a renewal naming its page continues that page instead of adding one', async () => {
  const first = await startSession(url);
  const renewed = await startSession(url, {token: first.sessionToken, sessionHash: first.sessionHash, page: 1});
  assert.equal(renewed.sessionID, first.sessionID);
  assert.equal(renewed.pageID, 1);
  const {json: session} = await getJson(url, `/api/sessions/${first.sessionID}`);
  assert.equal(session.pages.length, 1);
});

test('the client userUUID is kept when it looks sane and replaced when not', async () => {
  assert.equal((await startSession(url, {userUUID: 'user-1_ABC'})).userUUID, 'user-1_ABC');
  const replaced = (await startSession(url, {userUUID: '<script>'})).userUUID;
  assert.match(replaced, /^[0-9a-f-]{36}$/);
});

test('userID and metadata of handshakes are kept on the session, metadata merged', async () => {
  const first = await startSession(url, {userID: 'u-1', metadata: {plan: 'free', country: 'NL'}});
  await startSession(url, {token: first.sessionToken, userID: 'u-2', metadata: {plan: 'pro'}});
  const {json: session} = await getJson(url, `/api/sessions/${first.sessionID}`);
  assert.equal(session.userID, 'u-2');
  assert.deepEqual(session.metadata, {plan: 'pro', country: 'NL'});
});

test('an unknown project key is refused with 403 and a reason that names the fix', async () => {
  const {status, json} = await handshake(url, {projectKey: 'nope'});
  assert.equal(status, 403);
  assert.match(json.error, /unknown project key "nope".*--project nope/);
});

test('an origin the project does not list is refused with 403 naming origin and project', async () => {
  const {status, json} = await handshake(url, {projectKey: 'shop'}, {Origin: 'http://evil.test'});
  assert.equal(status, 403);
  assert.match(json.error, /http:\/\/evil\.test/);
  assert.match(json.error, /"shop"/);
  assert.equal((await handshake(url, {projectKey: 'shop'}, {Origin: 'http://shop.test'})).status, 200);
});

test('a body that is not JSON is refused with 400 and a JSON reason', async () => {
  const response = await fetch(`${url}/v1/web/start`, {method: 'POST', body: '{"projectKey": "demo",'});
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.match((await response.json()).error, /not JSON/);
});

test('a handshake without projectKey is refused with 400 naming the field', async () => {
  const {status, json} = await handshake(url, {projectKey: undefined});
  assert.equal(status, 400);
  assert.match(json.error, /"projectKey" is required/);
});

test('fields of the wrong type are refused with 400 naming the field', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{projectKey: 42}, /"projectKey" must be a string/],
    [{url: undefined}, /"url" is required/],
    [{forceNew: 'yes'}, /"forceNew" must be true or false/],
    [{metadata: {plan: 3}}, /"metadata.plan" must be a string/],
    [{viewport: {width: 'wide'}}, /"viewport"/],
    [{page: 0}, /"page"/],
  ];
  for (const [body, reason] of cases) {
    const {status, json} = await handshake(url, body);
    assert.equal(status, 400, JSON.stringify(body));
    assert.match(json.error, reason);
  }
});

test('a body that is JSON but not an object is refused with 400', async () => {
  const response = await fetch(`${url}/v1/web/start`, {method: 'POST', body: '[1,2]'});
  assert.equal(response.status, 400);
  assert.match((await response.json()).error, /must be a JSON object/);
});

test('a handshake body over 64 KiB is refused with 413', async () => {
  const {status} = await handshake(url, {metadata: {big: 'x'.repeat(1000)}, referrer: 'r'.repeat(70 * 1024)});
  assert.equal(status, 413);
});

test('a session removed between its lookup and its new page (retention, erasure) gives the visitor a new session, not a 500', async () => {
  const files = await createFileStorage(await tempDir());
  let removeNext = false;
  const storage: Storage = {
    ...files,
    async addPage(sessionID, page) {
      if (removeNext) {
        removeNext = false;
        await files.removeInactiveSince(Date.now() + 1, 100);
      }
      return files.addPage(sessionID, page);
    },
  };
  const {url: racing} = await collectorFor({storage});
  const first = await startSession(racing);
  removeNext = true;
  const {status, json} = await handshake(racing, {token: first.sessionToken});
  assert.equal(status, 200);
  assert.equal(json.resumed, false);
  assert.notEqual(json.sessionID, first.sessionID);
  assert.equal(json.pageID, 1);
});
