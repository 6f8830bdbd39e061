import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdir} from 'node:fs/promises';
import {join} from 'node:path';
import {signToken} from '../sessions/tokens';
import {collectorFor, custom, events, getJson, sendBatch, startSession} from './helpers';

const secret = 'ingest-test-secret';
const collector = await collectorFor({secret});
const {url} = collector;
const pageFiles = (sessionID: string, pageID: number) => readdir(join(collector.dataDir, 'sessions', sessionID, String(pageID)));

test('batches are stored and read back through the read API in seq order', async () => {
  const grant = await startSession(url);
  // Sent out of order, as keepalive requests on page hide may arrive.
  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 1, events(3, 3))).json, {ok: true, duplicate: false});
  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).json, {ok: true, duplicate: false});
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.deepEqual(session.pages[0].events, events(6));
  assert.equal(session.pages[0].eventCount, 6);
  const {json: page} = await getJson(url, `/api/sessions/${grant.sessionID}/pages/1/events`);
  assert.deepEqual(page, {pageID: 1, events: events(6)});
});

test('each page of a session keeps its own events', async () => {
  const first = await startSession(url);
  const second = await startSession(url, {token: first.sessionToken});
  await sendBatch(url, first.sessionToken, 1, 0, events(2));
  await sendBatch(url, second.sessionToken, 2, 0, events(3, 100));
  const {json: session} = await getJson(url, `/api/sessions/${first.sessionID}/events`);
  assert.deepEqual(session.pages.map((page: any) => page.events.length), [2, 3]);
});

test('a batch sent twice is acknowledged twice and stored once', async () => {
  const grant = await startSession(url);
  await sendBatch(url, grant.sessionToken, 1, 0, events(4));
  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, events(4))).json, {ok: true, duplicate: true});
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(session.pages[0].events.length, 4);
  assert.equal(session.pages[0].eventCount, 4);
  assert.equal((await pageFiles(grant.sessionID, 1)).length, 1);
});

test('the same batch sent twice at once is stored once', async () => {
  const grant = await startSession(url);
  const replies = await Promise.all([1, 2, 3].map(() => sendBatch(url, grant.sessionToken, 1, 0, events(5))));
  assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200]);
  assert.deepEqual(replies.map((reply) => reply.json.duplicate).sort(), [false, true, true]);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(session.pages[0].events.length, 5);
  assert.equal(session.pages[0].eventCount, 5);
  assert.equal((await pageFiles(grant.sessionID, 1)).length, 1);
});

test('a gzip-compressed batch is inflated and stored', async () => {
  const grant = await startSession(url);
  assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(10), {gzip: true})).status, 200);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.deepEqual(session.pages[0].events, events(10));
});

test('an empty batch is accepted and stores nothing', async () => {
  const grant = await startSession(url);
  assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 0, [])).json, {ok: true, duplicate: false});
  assert.deepEqual(await pageFiles(grant.sessionID, 1), []);
});

test('a plain body over 4 MiB is refused with 413 and not stored', async () => {
  const grant = await startSession(url);
  const big = JSON.stringify([{type: 3, timestamp: 1, data: {text: 'x'.repeat(4 * 1024 * 1024)}}]);
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [], {body: big});
  assert.equal(status, 413);
  assert.match(json.error, /4 MiB/);
  assert.deepEqual(await pageFiles(grant.sessionID, 1), []);
});

test('a body that is not JSON is refused with 400', async () => {
  const grant = await startSession(url);
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [], {body: '[{"type":3,'});
  assert.equal(status, 400);
  assert.match(json.error, /not JSON/);
});

test('a body that is not an array is refused with 400', async () => {
  const grant = await startSession(url);
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [], {body: '{"type":3,"timestamp":1}'});
  assert.equal(status, 400);
  assert.match(json.error, /JSON array/);
});

test('a batch with a malformed event is refused with 400 naming the first bad index', async () => {
  const grant = await startSession(url);
  const cases: Array<[unknown, RegExp]> = [
    [{type: 7, timestamp: 1}, /event 2 .*"type"/],
    [{type: 2.5, timestamp: 1}, /event 2 .*"type"/],
    [{type: 3}, /event 2 .*"timestamp"/],
    [{type: 3, timestamp: '1'}, /event 2 .*"timestamp"/],
    ['text', /event 2 .*not an object/],
  ];
  for (const [bad, reason] of cases) {
    const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [...events(2), bad, 'also bad']);
    assert.equal(status, 400);
    assert.match(json.error, reason);
  }
  assert.deepEqual(await pageFiles(grant.sessionID, 1), []);
});

test('a batch without a token is refused with 401 saying the token is missing', async () => {
  await startSession(url);
  const {status, json} = await sendBatch(url, null, 1, 0, events(1));
  assert.equal(status, 401);
  assert.match(json.error, /no session token/);
});

test('a batch with a forged or foreign token is refused with 401 saying the signature does not match', async () => {
  const grant = await startSession(url);
  const foreign = signToken('another-secret', {projectKey: 'demo', sessionID: grant.sessionID, expiresAt: Date.now() + 60_000});
  const {status, json} = await sendBatch(url, foreign, 1, 0, events(1));
  assert.equal(status, 401);
  assert.match(json.error, /signature does not match/);
  assert.equal((await sendBatch(url, 'garbage', 1, 0, events(1))).status, 401);
});

test('a batch with an expired token is refused with 401 saying it expired', async () => {
  const grant = await startSession(url);
  const expired = signToken(secret, {projectKey: 'demo', sessionID: grant.sessionID, expiresAt: Date.now() - 1000});
  const {status, json} = await sendBatch(url, expired, 1, 0, events(1));
  assert.equal(status, 401);
  assert.match(json.error, /expired/);
});

test('a token of a session this collector does not have is refused with 401', async () => {
  const token = signToken(secret, {projectKey: 'demo', sessionID: 'nosuchsession', expiresAt: Date.now() + 60_000});
  const {status, json} = await sendBatch(url, token, 1, 0, events(1));
  assert.equal(status, 401);
  assert.match(json.error, /nosuchsession/);
});

test('the token of session A cannot write into session B', async () => {
  const a = await startSession(url);
  const b = await startSession(url);
  await startSession(url, {token: b.sessionToken}); // B has a page 2, A has not
  const {status, json} = await sendBatch(url, a.sessionToken, 2, 0, events(3));
  assert.equal(status, 400);
  assert.match(json.error, new RegExp(`session ${a.sessionID} has no page 2`));
  const {json: sessionB} = await getJson(url, `/api/sessions/${b.sessionID}/events`);
  assert.deepEqual(sessionB.pages.map((page: any) => [page.eventCount, page.events.length]), [[0, 0], [0, 0]]);
  assert.deepEqual(await pageFiles(b.sessionID, 2), []);
});

test('page and seq must be integers, and the page must exist', async () => {
  const grant = await startSession(url);
  for (const [page, seq] of [['0', '0'], ['x', '0'], ['1', '-1'], ['1', ''], ['1', '1.5'], ['7', '0']]) {
    const {status} = await sendBatch(url, grant.sessionToken, page, seq, events(1));
    assert.equal(status, 400, `page=${page}&seq=${seq}`);
  }
});

test('a page or seq given twice is refused with 400, and nothing is stored', async () => {
  const grant = await startSession(url);
  for (const [page, seq, name] of [[1, '0&seq=1', 'seq'], ['1&page=1', 0, 'page']] as const) {
    const {status, json} = await sendBatch(url, grant.sessionToken, page, seq, events(2));
    assert.equal(status, 400);
    assert.match(json.error, new RegExp(`"${name}" is given more than once`));
  }
  const {json: stored} = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
  assert.equal(stored.pages[0].events.length, 0);
});

test('a Content-Encoding other than gzip is refused with 415', async () => {
  const grant = await startSession(url);
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, events(1), {headers: {'Content-Encoding': 'br'}});
  assert.equal(status, 415);
  assert.match(json.error, /"br"/);
});

test('a gzip header on a body that is not gzip is refused with 400', async () => {
  const grant = await startSession(url);
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [], {body: JSON.stringify(events(1)), headers: {'Content-Encoding': 'gzip'}});
  assert.equal(status, 400);
  assert.match(json.error, /not valid gzip/);
});

test('an assist-only session refuses batches with 403', async () => {
  const grant = await startSession(url, {assistOnly: true});
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, events(2));
  assert.equal(status, 403);
  assert.equal(json.error, 'session is assist-only: no session data is recorded');
});

test('identify and metadata custom events update the session', async () => {
  const grant = await startSession(url, {userID: 'u-1', metadata: {plan: 'free'}});
  await sendBatch(url, grant.sessionToken, 1, 0, [
    ...events(2),
    custom('tracker.identify', {userID: 'u-2'}),
    custom('tracker.metadata', {key: 'plan', value: 'pro'}),
    custom('tracker.metadata', {key: 'cart', value: '3'}),
    custom('tracker.event', {name: 'checkout', payload: {total: 42}}),
  ]);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}`);
  assert.equal(session.userID, 'u-2');
  assert.deepEqual(session.metadata, {plan: 'pro', cart: '3'});
  assert.equal(session.customEventCount, 4);
});

test('web vitals keep the latest value per metric', async () => {
  const grant = await startSession(url);
  await sendBatch(url, grant.sessionToken, 1, 0, [
    custom('tracker.vital', {name: 'LCP', value: 2100, rating: 'good'}),
    custom('tracker.vital', {name: 'CLS', value: 0.3, rating: 'poor'}),
  ]);
  await sendBatch(url, grant.sessionToken, 1, 1, [custom('tracker.vital', {name: 'LCP', value: 2600, rating: 'needs-improvement'})]);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}`);
  assert.deepEqual(session.vitals, {LCP: {value: 2600, rating: 'needs-improvement'}, CLS: {value: 0.3, rating: 'poor'}});
});

test('a duplicate batch does not count its custom events twice', async () => {
  const grant = await startSession(url);
  const batch = [custom('tracker.event', {name: 'a'}), custom('tracker.event', {name: 'b'})];
  await sendBatch(url, grant.sessionToken, 1, 0, batch);
  await sendBatch(url, grant.sessionToken, 1, 0, batch);
  assert.equal((await getJson(url, `/api/sessions/${grant.sessionID}`)).json.customEventCount, 2);
});

test('the session records its event time range and duration', async () => {
  const grant = await startSession(url);
  await sendBatch(url, grant.sessionToken, 1, 0, [
    {type: 4, timestamp: 5000, data: {}},
    {type: 3, timestamp: 9000, data: {}},
  ]);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}`);
  assert.equal(session.lastEventAt, 9000);
  assert.equal(session.durationMs, 4000);
});
