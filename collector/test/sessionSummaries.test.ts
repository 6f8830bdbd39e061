import {test} from 'node:test';
import assert from 'node:assert/strict';
import {applySessionChange, MAX_URL_LENGTH, MAX_URLS} from '../storage/applySessionChange';
import {summarizeEvents} from '../ingest/summarizeEvents';
import type {Session} from '../storage/types';
import {collectorFor, custom, events, getJson, sendBatch, startSession} from './helpers';

const meta = (href: string, timestamp = 1): any => ({type: 4, timestamp, data: {href, width: 800, height: 600}});
const network = (payload: Record<string, unknown>) => custom('tracker.network', {method: 'GET', url: 'http://api.test/x', durationMs: 5, kind: 'fetch', ...payload});

function emptySession(): Session {
  return {
    sessionID: 's', projectKey: 'demo', userID: null, userUUID: 'u', metadata: {}, startedAt: 0, lastActivityAt: 0, firstEventAt: null, lastEventAt: null,
    customEventCount: 0, vitals: {}, assistOnly: false, errorCount: 0, consoleErrorCount: 0, failedRequestCount: 0, urls: [], eventNames: [], pages: [],
    rageClickCount: 0, deadClickCount: 0, errorClickCount: 0, trigger: null,
  };
}

test('uncaught errors and unhandled rejections are counted as errors', () => {
  const change = summarizeEvents([
    custom('tracker.error', {kind: 'error', message: 'x is undefined'}),
    custom('tracker.error', {kind: 'unhandledrejection', message: 'nope'}),
    custom('tracker.console', {level: 'warn', args: ['not an error']}),
  ]);
  assert.equal(change.errors, 2);
});

test('console errors and failed asserts are counted, other levels and throttle notices are not', () => {
  const change = summarizeEvents(
    ['log', 'info', 'warn', 'debug', 'error', 'assert', 'error'].map((level) => custom('tracker.console', {level, args: ['a']})).concat(custom('tracker.console', {throttled: 40})),
  );
  assert.equal(change.consoleErrors, 3);
  assert.equal(change.errors, 0);
});

test('requests answered 400 or more and requests that failed on the network are counted as failed', () => {
  const change = summarizeEvents([
    network({status: 200}),
    network({status: 304}),
    network({status: 404}),
    network({status: 503}),
    network({status: 0, error: 'Failed to fetch'}),
    network({status: 0, error: 'aborted', kind: 'xhr'}),
  ]);
  assert.equal(change.failedRequests, 4);
});

test('URLs visited come from rrweb Meta events and navigations, each once', () => {
  const change = summarizeEvents([
    meta('http://shop.test/'),
    custom('tracker.navigation', {url: 'http://shop.test/cart', kind: 'pushState'}),
    custom('tracker.navigation', {url: 'http://shop.test/', kind: 'popstate'}),
    custom('tracker.navigation', {url: 'http://shop.test/cart#pay', kind: 'hashchange'}),
  ]);
  assert.deepEqual(change.urls, ['http://shop.test/', 'http://shop.test/cart', 'http://shop.test/cart#pay']);
});

test('the names of tracker.event events are collected, each once', () => {
  const change = summarizeEvents([
    custom('tracker.event', {name: 'checkout', payload: {total: 3}}),
    custom('tracker.event', {name: 'coupon'}),
    custom('tracker.event', {name: 'checkout'}),
    custom('tracker.metadata', {key: 'name', value: 'not an event'}),
  ]);
  assert.deepEqual(change.eventNames, ['checkout', 'coupon']);
});

test('a session keeps at most 100 distinct URLs, each cut to 2 KB, the first ones seen', () => {
  const session = emptySession();
  const long = `http://shop.test/${'x'.repeat(5000)}`;
  applySessionChange(session, {urls: [long, long]});
  applySessionChange(session, {urls: Array.from({length: 150}, (_, i) => `http://shop.test/${i}`)});
  assert.equal(session.urls.length, MAX_URLS);
  assert.equal(session.urls[0].length, MAX_URL_LENGTH);
  assert.equal(session.urls[1], 'http://shop.test/0');
  assert.equal(session.urls.at(-1), `http://shop.test/${MAX_URLS - 2}`);
});

test('counts and URLs add up over batches and the handshake, and a repeated batch counts once', async () => {
  const {url} = await collectorFor();
  const grant = await startSession(url, {url: 'http://shop.test/landing'});
  const first = [meta('http://shop.test/landing'), custom('tracker.error', {kind: 'error', message: 'boom'}), network({status: 500})];
  await sendBatch(url, grant.sessionToken, 1, 0, first);
  await sendBatch(url, grant.sessionToken, 1, 0, first);
  await sendBatch(url, grant.sessionToken, 1, 1, [
    custom('tracker.console', {level: 'error', args: ['bad']}),
    custom('tracker.navigation', {url: 'http://shop.test/pay', kind: 'pushState'}),
    custom('tracker.error', {kind: 'unhandledrejection', message: 'late'}),
  ]);
  const second = await startSession(url, {token: grant.sessionToken, url: 'http://shop.test/thanks'});
  assert.equal(second.sessionID, grant.sessionID);

  for (const path of [`/api/sessions/${grant.sessionID}`, `/api/sessions/${grant.sessionID}/events`]) {
    const {json} = await getJson(url, path);
    assert.equal(json.errorCount, 2, path);
    assert.equal(json.consoleErrorCount, 1, path);
    assert.equal(json.failedRequestCount, 1, path);
    assert.deepEqual(json.urls, ['http://shop.test/landing', 'http://shop.test/pay', 'http://shop.test/thanks'], path);
  }
  const listed = (await getJson(url, '/api/sessions')).json.sessions.find((s: any) => s.sessionID === grant.sessionID);
  assert.equal(listed.errorCount, 2);
  assert.equal(listed.urls.length, 3);
});

test('a session without trouble has zero counts', async () => {
  const {url} = await collectorFor();
  const grant = await startSession(url);
  await sendBatch(url, grant.sessionToken, 1, 0, [...events(3), network({status: 201})]);
  const {json} = await getJson(url, `/api/sessions/${grant.sessionID}`);
  assert.deepEqual([json.errorCount, json.consoleErrorCount, json.failedRequestCount], [0, 0, 0]);
});
