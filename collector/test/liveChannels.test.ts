// Assist's channels at the collector (collector/live/): who may open them,
// and the live list.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {hashSecret, type AccessKey} from '../access/accessKeys';
import {signToken} from '../sessions/tokens';
import {ADMIN, collectorFor, getJson, startSession} from './helpers';
import {connectAgent, connectTracker, eventually, listed, sleep} from './liveHelpers';

const SHOP_VIEWER_KEY = 'shop-viewer-key-0123456789abcdef';
const keys: AccessKey[] = [{name: 'shop-support', role: 'viewer', projects: ['shop'], hash: hashSecret(SHOP_VIEWER_KEY)}];

const collector = await collectorFor({keys, projects: [{key: 'demo', origins: null}, {key: 'shop', origins: new Set(['http://shop.test'])}], live: {helloTimeoutMs: 300}});
const {url} = collector;

test('a tracker channel with a forged or foreign token is closed 4401 and receives nothing', async () => {
  const grant = await startSession(url);
  const forged = signToken('another-collectors-secret', {projectKey: 'demo', sessionID: grant.sessionID, expiresAt: Date.now() + 60_000});
  for (const token of [forged, 'not-a-token', `${grant.sessionToken.slice(0, -2)}xx`]) {
    const tracker = await connectTracker(url, token);
    assert.equal(await tracker.closed, 4401, token);
    assert.deepEqual(tracker.received, []);
  }
});

test('a tracker channel that sends no hello is closed 4408', async () => {
  const {WebSocket} = await import('ws');
  const socket = new WebSocket(url.replace('http', 'ws') + '/v1/web/live');
  const started = Date.now();
  const code = await new Promise<number>((resolve) => socket.on('close', (closeCode) => resolve(closeCode)));
  assert.equal(code, 4408);
  assert.ok(Date.now() - started < 2000);
});

test('a tracker channel from an origin its project does not list is closed 4403', async () => {
  const grant = await startSession(url, {projectKey: 'shop'}, {Origin: 'http://shop.test'});
  const tracker = await connectTracker(url, grant.sessionToken, {headers: {Origin: 'http://elsewhere.test'}});
  assert.equal(await tracker.closed, 4403);
});

test('a tab is in /api/live as soon as it said hello, and leaves it within 2 s of closing', async () => {
  const grant = await startSession(url, {userID: 'ann', metadata: {plan: 'pro'}});
  const tracker = await connectTracker(url, grant.sessionToken, {tab: 'tab-a', url: 'http://shop.test/cart'});
  await listed(url, grant.sessionID, 'tab-a');
  const {json} = await getJson(url, `/api/live?userID=ann&meta=plan:pro`);
  assert.equal(json.sessions.length, 1);
  const [session] = json.sessions;
  assert.equal(session.sessionID, grant.sessionID);
  assert.equal(session.projectKey, 'demo');
  assert.equal(session.userID, 'ann');
  assert.deepEqual(session.agents, []);
  assert.equal(session.assistOnly, false);
  assert.deepEqual(session.tabs.map((tab: any) => [tab.tabID, tab.url, tab.visible]), [['tab-a', 'http://shop.test/cart', true]]);
  assert.equal((await getJson(url, `/api/live?userID=bob`)).json.sessions.length, 0, 'filtered by userID');
  assert.equal((await getJson(url, `/api/live?meta=plan:free`)).json.sessions.length, 0, 'filtered by metadata');

  await tracker.close();
  const tookMs = await eventually(async () => !(await getJson(url, '/api/live')).json.sessions.some((s: any) => s.sessionID === grant.sessionID), 2000, 'the tab unlisted');
  assert.ok(tookMs < 2000);
});

test('an agent needs a credential: 401 at the upgrade without one', async () => {
  const grant = await startSession(url);
  const {status} = await connectAgent(url, grant.sessionID, {});
  assert.equal(status, 401);
  assert.equal((await connectAgent(url, grant.sessionID, {Authorization: 'Bearer not-a-key-of-this-collector'})).status, 401);
});

test('an agent upgrade from another origin is refused 403 even with the login cookie', async () => {
  const grant = await startSession(url);
  const login = await fetch(`${url}/api/login`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({key: 'test-admin-key-0123456789abcdef'})});
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  assert.match(cookie, /^tracker_login=/);
  const host = new URL(url).host;
  assert.equal((await connectAgent(url, grant.sessionID, {Cookie: cookie, Origin: 'http://evil.test'})).status, 403);
  assert.equal((await connectAgent(url, grant.sessionID, {Cookie: cookie, Origin: `http://${host}`, 'Sec-Fetch-Site': 'cross-site'})).status, 403);
  const {status, agent} = await connectAgent(url, grant.sessionID, {Cookie: cookie, Origin: `http://${host}`});
  assert.equal(status, 101, 'the same origin with the cookie is let in');
  await agent.close();
});

test('a key limited to one project cannot watch another project\'s session (404) nor see it in /api/live', async () => {
  const demo = await startSession(url, {userID: 'scoped'});
  const tracker = await connectTracker(url, demo.sessionToken, {tab: 'tab-s'});
  await listed(url, demo.sessionID, 'tab-s');
  const shopKey = {Authorization: `Bearer ${SHOP_VIEWER_KEY}`};
  assert.equal((await connectAgent(url, demo.sessionID, shopKey)).status, 404);
  assert.equal((await connectAgent(url, 'no-such-session', ADMIN)).status, 404);
  const {json} = await getJson(url, '/api/live', shopKey);
  assert.equal(json.sessions.some((session: any) => session.sessionID === demo.sessionID), false);
  await tracker.close();
});

test('an assist-only session is listed live and can be watched', async () => {
  const grant = await startSession(url, {assistOnly: true});
  const tracker = await connectTracker(url, grant.sessionToken, {tab: 'tab-ao'});
  await listed(url, grant.sessionID, 'tab-ao');
  const live = (await getJson(url, '/api/live')).json.sessions.find((session: any) => session.sessionID === grant.sessionID);
  assert.equal(live.assistOnly, true);
  const {status, agent} = await connectAgent(url, grant.sessionID, ADMIN);
  assert.equal(status, 101);
  await tracker.next({t: 'snapshot'});
  tracker.send({t: 'ev', events: [{type: 2, timestamp: 1, data: {}}]});
  assert.deepEqual((await agent.next({t: 'ev'})).events, [{type: 2, timestamp: 1, data: {}}]);
  await agent.close();
  await tracker.close();
  await sleep(10);
});
