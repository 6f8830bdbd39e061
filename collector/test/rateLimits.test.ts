import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createTokenBuckets} from '../ops/createTokenBuckets';
import {ADMIN, events, startSession, collectorFor} from './helpers';
import {batchFrom, handshakeFrom, NO_LIMIT} from './opsHelpers';

// A burst of 3 and then one request every 100 s: whatever the machine's
// speed, the 4th request in a row is over the limit.
const TIGHT = {perSecond: 0.01, burst: 3};
const LOOSE = {handshakesPerAddress: NO_LIMIT, handshakesPerProject: NO_LIMIT, batchesPerAddress: NO_LIMIT, batchesPerProject: NO_LIMIT, newSessionsPerProject: NO_LIMIT};

test('a token bucket lets a burst through, refuses the next with the wait, and refills with time', () => {
  const buckets = createTokenBuckets({perSecond: 2, burst: 3});
  for (let i = 0; i < 3; i++) assert.deepEqual(buckets.take('a', 1000), {ok: true});
  assert.deepEqual(buckets.take('a', 1000), {ok: false, retryAfterSeconds: 1});
  assert.deepEqual(buckets.take('b', 1000), {ok: true}, 'another key has its own bucket');
  assert.deepEqual(buckets.take('a', 1500), {ok: true}, 'half a second refills one token at 2/s');
  assert.deepEqual(buckets.take('a', 1500), {ok: false, retryAfterSeconds: 1});
});

test('a token bucket forgets refilled keys and keeps at most maxKeys', () => {
  const buckets = createTokenBuckets({perSecond: 1, burst: 1}, 10);
  for (let i = 0; i < 50; i++) buckets.take(`address-${i}`, 0);
  assert.equal(buckets.size, 10);
  buckets.take('late', 60_000);
  assert.equal(buckets.size, 1, 'buckets full again are dropped');
});

test('a flood of handshakes from one address gets 429 with Retry-After while another address is served', async () => {
  const {url} = await collectorFor({trustedProxies: 1, rateLimits: {...LOOSE, handshakesPerAddress: TIGHT}});
  const flooder = {'X-Forwarded-For': '198.51.100.7'};
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await handshakeFrom(url, undefined, {}, flooder));
  assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  const refused = answers[3];
  assert.ok(Number(refused.headers['retry-after']) >= 1, `Retry-After ${refused.headers['retry-after']}`);
  assert.match(refused.json.error, /too many handshakes from this address: try again in \d+ s/);

  assert.equal((await handshakeFrom(url, undefined, {}, {'X-Forwarded-For': '198.51.100.8'})).status, 200);
});

test('a 429 carries the CORS headers, so the tracker in the page can read Retry-After', async () => {
  const {url} = await collectorFor({trustedProxies: 1, rateLimits: {...LOOSE, handshakesPerAddress: {perSecond: 0.01, burst: 1}}});
  const headers = {'X-Forwarded-For': '198.51.100.9', Origin: 'https://shop.example'};
  await handshakeFrom(url, undefined, {}, headers);
  const refused = await handshakeFrom(url, undefined, {}, headers);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['access-control-allow-origin'], 'https://shop.example');
  assert.match(String(refused.headers['access-control-expose-headers']), /Retry-After/);
});

test('without --trust-proxy, X-Forwarded-For is ignored: a flooder cannot dodge the limit by making up addresses', async () => {
  const {url} = await collectorFor({rateLimits: {...LOOSE, handshakesPerAddress: TIGHT, exemptLoopback: false}});
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await handshakeFrom(url, '127.0.0.2', {}, {'X-Forwarded-For': `203.0.113.${i}`})).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.equal((await handshakeFrom(url, '127.0.0.3')).status, 200, 'another address is served');
});

test('with --trust-proxy, the client is the last X-Forwarded-For entry, not what the client itself claimed before it', async () => {
  const {url} = await collectorFor({trustedProxies: 1, rateLimits: {...LOOSE, handshakesPerAddress: TIGHT}});
  const statuses = [];
  // The client puts a fresh made-up address first each time; the proxy appends the real one.
  for (let i = 0; i < 5; i++) statuses.push((await handshakeFrom(url, undefined, {}, {'X-Forwarded-For': `203.0.113.${i}, 198.51.100.20`})).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
});

test('loopback clients are not limited per address by default (a load test, a proxy on the same host)', async () => {
  const {url} = await collectorFor({rateLimits: {...LOOSE, handshakesPerAddress: TIGHT}});
  for (let i = 0; i < 6; i++) assert.equal((await handshakeFrom(url, '127.0.0.2')).status, 200);
});

test('handshakes per project are limited across addresses, and another project is still served', async () => {
  const {url} = await collectorFor({
    trustedProxies: 1,
    projects: [{key: 'busy', origins: null}, {key: 'quiet', origins: null}],
    rateLimits: {...LOOSE, handshakesPerProject: TIGHT},
  });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await handshakeFrom(url, undefined, {projectKey: 'busy'}, {'X-Forwarded-For': `198.51.100.${i}`})).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  const refused = await handshakeFrom(url, undefined, {projectKey: 'busy'}, {'X-Forwarded-For': '198.51.100.99'});
  assert.match(refused.json.error, /too many handshakes for project "busy"/);
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal((await handshakeFrom(url, undefined, {projectKey: 'quiet'})).status, 200);
});

test('past the cap on new sessions a project can still resume its sessions, but not open new ones', async () => {
  const {url} = await collectorFor({rateLimits: {...LOOSE, newSessionsPerProject: {perSecond: 1 / 600, burst: 2}}});
  const first = await startSession(url);
  await startSession(url);
  const refused = await handshakeFrom(url, undefined);
  assert.equal(refused.status, 429);
  assert.match(refused.json.error, /too many new sessions for project "demo"/);
  assert.ok(Number(refused.headers['retry-after']) >= 1);

  const resumed = await handshakeFrom(url, undefined, {token: first.sessionToken});
  assert.equal(resumed.status, 200);
  assert.equal(resumed.json.sessionID, first.sessionID);
  assert.equal(resumed.json.resumed, true);
});

test('batches from one address are limited, and a refused batch is not stored', async () => {
  const {url} = await collectorFor({rateLimits: {...LOOSE, batchesPerAddress: TIGHT, exemptLoopback: false}});
  const grant = await startSession(url);
  const statuses = [];
  for (let seq = 0; seq < 5; seq++) statuses.push((await batchFrom(url, '127.0.0.2', grant.sessionToken, 1, seq, events(2, seq * 2))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  assert.equal((await batchFrom(url, '127.0.0.3', grant.sessionToken, 1, 3, events(2, 6))).status, 200);
  const stored = await fetch(`${url}/api/sessions/${grant.sessionID}/events`, {headers: ADMIN}).then((response) => response.json());
  assert.equal(stored.pages[0].eventCount, 8, 'seqs 0, 1, 2 and 3: not the refused seq 4');
});

test('batches per project are limited across addresses', async () => {
  const {url} = await collectorFor({trustedProxies: 1, rateLimits: {...LOOSE, batchesPerProject: TIGHT}});
  const grant = await startSession(url);
  const statuses = [];
  for (let seq = 0; seq < 5; seq++) {
    statuses.push((await batchFrom(url, undefined, grant.sessionToken, 1, seq, events(1, seq), {'X-Forwarded-For': `198.51.100.${seq}`})).status);
  }
  assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
});
