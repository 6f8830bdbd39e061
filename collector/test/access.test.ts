// Who may use the read side: access keys and roles, project limits, viewer
// logins and login links, cross-origin refusals, the failed-login limit and
// the security headers (collector/access/).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {hashSecret, type AccessKey} from '../access/accessKeys';
import {VIEWER_CSP} from '../access/securityHeaders';
import {ADMIN, collectorFor, events, getJson, sendBatch, startSession, tempDir} from './helpers';

const VIEWER_KEY = 'viewer-key-0123456789abcdef';
const SHOP_KEY = 'shop-only-key-0123456789abcdef';
const keys: AccessKey[] = [
  {name: 'support', role: 'viewer', projects: null, hash: hashSecret(VIEWER_KEY)},
  {name: 'shop-team', role: 'admin', projects: ['shop'], hash: hashSecret(SHOP_KEY)},
];
const bearer = (key: string) => ({Authorization: `Bearer ${key}`});

/** Every route of the read side, with the method it answers. */
const READ_ROUTES = (id: string): Array<[string, string]> => [
  ['GET', '/api/sessions'],
  ['GET', `/api/sessions/${id}`],
  ['GET', `/api/sessions/${id}/events`],
  ['GET', `/api/sessions/${id}/pages/1/events`],
  ['GET', '/api/me'],
  ['GET', '/api/audit'],
  ['GET', '/metrics'],
  ['DELETE', `/api/sessions/${id}`],
  ['DELETE', '/api/sessions?userID=u1'],
  ['POST', '/api/logout'],
  ['POST', '/api/login-links'],
];

async function request(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(`${url}${path}`, {method, headers: body === undefined ? headers : {'Content-Type': 'application/json', ...headers}, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return {status: response.status, headers: response.headers, json, text};
}

async function login(url: string, credential: Record<string, string>, headers: Record<string, string> = {}) {
  const answer = await request(url, 'POST', '/api/login', headers, credential);
  const cookie = answer.headers.get('set-cookie') ?? '';
  return {...answer, setCookie: cookie, cookie: cookie.split(';')[0]};
}

const collector = await collectorFor({keys, projects: [{key: 'demo', origins: null}, {key: 'shop', origins: null}]});
const {url} = collector;
const demoSession = await startSession(url, {projectKey: 'demo', userID: 'u1'});
const shopSession = await startSession(url, {projectKey: 'shop', userID: 'u1'});
await sendBatch(url, demoSession.sessionToken, 1, 0, events(3));
await sendBatch(url, shopSession.sessionToken, 1, 0, events(3));

test('on loopback, every read route, /metrics and erasure answer 401 without a credential', async () => {
  for (const [method, path] of READ_ROUTES(demoSession.sessionID)) {
    const {status, json} = await request(url, method, path);
    assert.equal(status, 401, `${method} ${path}`);
    assert.match(json.error, /access key/, `${method} ${path}`);
  }
  assert.equal((await getJson(url, '/api/sessions')).json.sessions.length, 2, 'nothing was erased meanwhile');
});

test('behind a trusted proxy, a forwarded address from anywhere gets 401 on every read route and erasure', async () => {
  const proxied = await collectorFor({trustedProxies: 1});
  const grant = await startSession(proxied.url, {userID: 'u1'});
  const forwarded = {'X-Forwarded-For': '203.0.113.7'};
  for (const [method, path] of READ_ROUTES(grant.sessionID)) {
    assert.equal((await request(proxied.url, method, path, forwarded)).status, 401, `${method} ${path}`);
  }
  assert.equal((await getJson(proxied.url, '/api/sessions')).json.sessions.length, 1, 'the session is still there');
});

test('a viewer key reads sessions and their events but gets 403 on erasure', async () => {
  assert.equal((await getJson(url, '/api/sessions', bearer(VIEWER_KEY))).json.sessions.length, 2);
  assert.equal((await getJson(url, `/api/sessions/${demoSession.sessionID}/events`, bearer(VIEWER_KEY))).status, 200);
  const refused = await request(url, 'DELETE', `/api/sessions/${demoSession.sessionID}`, bearer(VIEWER_KEY));
  assert.equal(refused.status, 403);
  assert.match(refused.json.error, /admin role/);
  assert.equal((await request(url, 'DELETE', '/api/sessions?userID=u1', bearer(VIEWER_KEY))).status, 403);
  assert.equal((await request(url, 'GET', '/api/audit', bearer(VIEWER_KEY))).status, 403);
  assert.equal((await getJson(url, `/api/sessions/${demoSession.sessionID}`)).status, 200, 'still there');
});

test('an admin key erases a session', async () => {
  const grant = await startSession(url, {userID: 'to-erase'});
  const {status, json} = await request(url, 'DELETE', `/api/sessions/${grant.sessionID}`, ADMIN);
  assert.deepEqual({status, json}, {status: 200, json: {erased: [grant.sessionID]}});
  assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}`)).status, 404);
});

test('a key limited to a project sees only its sessions: list, one session, events, pages, and erasure', async () => {
  const listed = (await getJson(url, '/api/sessions', bearer(SHOP_KEY))).json.sessions.map((s: any) => s.sessionID);
  assert.deepEqual(listed, [shopSession.sessionID]);
  assert.equal((await getJson(url, `/api/sessions/${shopSession.sessionID}`, bearer(SHOP_KEY))).status, 200);
  assert.equal((await getJson(url, `/api/sessions/${shopSession.sessionID}/events`, bearer(SHOP_KEY))).status, 200);
  for (const path of [`/api/sessions/${demoSession.sessionID}`, `/api/sessions/${demoSession.sessionID}/events`, `/api/sessions/${demoSession.sessionID}/pages/1/events`]) {
    assert.equal((await getJson(url, path, bearer(SHOP_KEY))).status, 404, path);
  }
  assert.equal((await request(url, 'DELETE', `/api/sessions/${demoSession.sessionID}`, bearer(SHOP_KEY))).status, 404);
  // Erasing "u1" as this key erases the shop's session of u1, not the demo's.
  const other = await startSession(url, {projectKey: 'shop', userID: 'u2'});
  const mine = await startSession(url, {projectKey: 'demo', userID: 'u2'});
  assert.deepEqual((await request(url, 'DELETE', '/api/sessions?userID=u2', bearer(SHOP_KEY))).json, {erased: [other.sessionID]});
  assert.equal((await getJson(url, `/api/sessions/${mine.sessionID}`)).status, 200);
  assert.equal((await request(url, 'GET', '/api/audit', bearer(SHOP_KEY))).status, 403, 'the audit log covers every project');
});

test('an unknown bearer key is refused with 401', async () => {
  assert.equal((await getJson(url, '/api/sessions', bearer('not-a-key-of-this-collector'))).status, 401);
});

test('a login exchanges a key for a cookie that holds no secret, reads with it, and dies at logout', async () => {
  const {status, json, setCookie, cookie} = await login(url, {key: VIEWER_KEY});
  assert.equal(status, 200);
  assert.deepEqual(json, {name: 'support', role: 'viewer', projects: null});
  assert.match(setCookie, /^tracker_login=[\w-]{40,};/);
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP, no proxy: not Secure');
  assert.ok(!setCookie.includes(VIEWER_KEY) && !setCookie.includes(hashSecret(VIEWER_KEY)));
  assert.equal((await getJson(url, '/api/sessions', {Cookie: cookie})).status, 200);
  assert.deepEqual((await getJson(url, '/api/me', {Cookie: cookie})).json, {name: 'support', role: 'viewer', projects: null});
  const out = await request(url, 'POST', '/api/logout', {Cookie: cookie});
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie')!, /^tracker_login=; .*Max-Age=0/);
  assert.equal((await getJson(url, '/api/sessions', {Cookie: cookie})).status, 401);
});

test('a login dies at its expiry', async () => {
  const short = await collectorFor({loginTtlSeconds: 1});
  const {cookie} = await login(short.url, {key: 'test-admin-key-0123456789abcdef'});
  assert.equal((await getJson(short.url, '/api/sessions', {Cookie: cookie})).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const {status, json} = await getJson(short.url, '/api/sessions', {Cookie: cookie});
  assert.equal(status, 401);
  assert.match(json.error, /expired or ended/);
});

test('the login cookie is Secure when the request came over HTTPS through a trusted proxy', async () => {
  const proxied = await collectorFor({trustedProxies: 1});
  const {setCookie} = await login(proxied.url, {key: 'test-admin-key-0123456789abcdef'}, {'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '198.51.100.4'});
  assert.match(setCookie, /; Secure$/);
});

test('a cross-origin DELETE carrying the login cookie is refused, and erases nothing', async () => {
  const {cookie} = await login(url, {key: 'test-admin-key-0123456789abcdef'});
  const grant = await startSession(url, {userID: 'csrf-target'});
  const path = `/api/sessions/${grant.sessionID}`;
  const host = new URL(url).host;
  const fromElsewhere = await request(url, 'DELETE', path, {Cookie: cookie, Origin: 'http://127.0.0.1:8080'});
  assert.equal(fromElsewhere.status, 403);
  assert.match(fromElsewhere.json.error, /not from this collector's own address/);
  assert.equal((await request(url, 'DELETE', path, {Cookie: cookie, 'Sec-Fetch-Site': 'same-site'})).status, 403);
  assert.equal((await request(url, 'DELETE', path, {Cookie: cookie, Origin: 'null'})).status, 403);
  assert.equal((await getJson(url, path)).status, 200, 'not erased');
  // The viewer's own request, from the collector's origin, goes through.
  assert.equal((await request(url, 'DELETE', path, {Cookie: cookie, Origin: `http://${host}`, 'Sec-Fetch-Site': 'same-origin'})).status, 200);
});

test('a login from another origin is refused (no login CSRF)', async () => {
  assert.equal((await login(url, {key: VIEWER_KEY}, {Origin: 'http://evil.test'})).status, 403);
});

test('a login link works once', async () => {
  const link = await collector.access.loginLink();
  const token = new URL(link).hash.replace('#login=', '');
  assert.ok(token.length >= 30);
  assert.ok(!new URL(link).search, 'nothing secret in the query: a proxy would log it');
  const first = await login(url, {link: token});
  assert.equal(first.status, 200);
  assert.equal(first.json.role, 'admin');
  assert.equal((await getJson(url, '/api/sessions', {Cookie: first.cookie})).status, 200);
  const again = await login(url, {link: token});
  assert.equal(again.status, 401);
  assert.match(again.json.error, /used already or has expired/);
});

test('a login link expires unused after its time', async () => {
  const short = await collectorFor({loginLinkTtlSeconds: 0.2});
  const token = new URL(await short.access.loginLink()).hash.replace('#login=', '');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await login(short.url, {link: token})).status, 401);
});

test('an admin makes a login link for another key through the API', async () => {
  const {status, json} = await request(url, 'POST', '/api/login-links', ADMIN, {keyName: 'support'});
  assert.equal(status, 200);
  const token = new URL(json.url).hash.replace('#login=', '');
  assert.equal((await login(url, {link: token})).json.name, 'support');
  assert.equal((await request(url, 'POST', '/api/login-links', bearer(VIEWER_KEY), {})).status, 403);
  assert.equal((await request(url, 'POST', '/api/login-links', ADMIN, {keyName: 'nobody'})).status, 404);
});

test('failed logins from one address get 429 with Retry-After after a burst, even with the right key then', async () => {
  const limited = await collectorFor({failedLogins: {failures: 3, windowSeconds: 60}});
  for (let i = 0; i < 3; i++) assert.equal((await login(limited.url, {key: `wrong-${i}`})).status, 401);
  const refused = await login(limited.url, {key: 'test-admin-key-0123456789abcdef'});
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.equal((await getJson(limited.url, '/api/sessions', bearer('also-wrong'))).status, 429, 'bearer guesses count too');
  const metrics = await request(limited.url, 'GET', '/metrics', ADMIN);
  assert.equal(metrics.status, 429, 'from this address, until the window ends');
});

test('the read API and the viewer carry the security headers', async () => {
  for (const path of ['/api/sessions', '/']) {
    const response = await fetch(`${url}${path}`, {headers: ADMIN});
    assert.equal(response.headers.get('content-security-policy'), VIEWER_CSP, path);
    assert.match(VIEWER_CSP, /script-src 'self';/);
    assert.doesNotMatch(VIEWER_CSP.split('; ').find((d) => d.startsWith('script-src'))!, /unsafe-inline|unsafe-eval/);
    assert.match(VIEWER_CSP, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
  }
  const unauthorized = await fetch(`${url}/api/sessions`);
  assert.equal(unauthorized.headers.get('content-security-policy'), VIEWER_CSP, 'on refusals too');
});

test('a key added to the keys file works within seconds, and removing it ends its logins', async () => {
  const dir = await tempDir();
  const keysFile = join(dir, 'keys');
  await writeFile(keysFile, '');
  // Polled below with the key before it exists: enough failures allowed not to be limited.
  const watched = await collectorFor({keysFile, failedLogins: {failures: 1000, windowSeconds: 60}});
  assert.equal((await getJson(watched.url, '/api/sessions', bearer(VIEWER_KEY))).status, 401);
  await writeFile(keysFile, `# the support team\nsupport viewer * sha256:${hashSecret(VIEWER_KEY)}\n`);
  await waitFor(async () => (await getJson(watched.url, '/api/sessions', bearer(VIEWER_KEY))).status === 200);
  const {cookie} = await login(watched.url, {key: VIEWER_KEY});
  await writeFile(keysFile, '');
  await waitFor(async () => (await getJson(watched.url, '/api/sessions', {Cookie: cookie})).status === 401);
});

test('the read secret of older versions still works, as an admin key', async () => {
  const old = await collectorFor({adminKey: undefined, readSecret: 'an-old-read-secret'});
  assert.equal((await getJson(old.url, '/api/sessions', bearer('an-old-read-secret'))).status, 200);
  assert.equal((await getJson(old.url, '/api/me', bearer('an-old-read-secret'))).json.role, 'admin');
});

test('the development flag opens the read side without a credential', async () => {
  const open = await collectorFor({insecureNoAuth: true, adminKey: undefined});
  assert.equal((await getJson(open.url, '/api/sessions', {})).status, 200);
  assert.equal(open.access.open, true);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
