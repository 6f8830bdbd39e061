import {test} from 'node:test';
import assert from 'node:assert/strict';
import {collectorFor, custom, events, getJson, sendBatch, startSession} from './helpers';

const {url} = await collectorFor();

// One session per kind of trouble, and one without any.
async function sessionWith(pageURL: string, batch: unknown[]): Promise<string> {
  const grant = await startSession(url, {url: pageURL});
  assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, [...events(2), ...batch])).status, 200);
  return grant.sessionID;
}
const withError = await sessionWith('http://shop.test/a', [custom('tracker.error', {kind: 'error', message: 'boom'})]);
const withConsoleError = await sessionWith('http://shop.test/b', [custom('tracker.console', {level: 'assert', args: ['false']})]);
const withFailedRequest = await sessionWith('http://shop.test/c', [
  custom('tracker.network', {method: 'POST', url: 'http://api.test/pay', status: 0, durationMs: 3, kind: 'xhr', error: 'network error'}),
]);
const clean = await sessionWith('http://shop.test/d', [
  custom('tracker.navigation', {url: 'http://shop.test/Checkout/Step-2', kind: 'pushState'}),
  custom('tracker.event', {name: 'coupon-applied', payload: {code: 'X'}}),
]);

const listed = async (query: string) => ((await getJson(url, `/api/sessions?${query}`)).json.sessions as Array<{sessionID: string}>).map((s) => s.sessionID).sort();

test('hasErrors=1 lists the sessions with an error, a console error or a failed request', async () => {
  assert.deepEqual(await listed('hasErrors=1'), [withError, withConsoleError, withFailedRequest].sort());
  assert.equal((await listed('hasErrors=0')).length, 4);
});

test('url= lists the sessions that visited a URL containing it, ignoring case', async () => {
  assert.deepEqual(await listed('url=checkout%2Fstep'), [clean]);
  assert.deepEqual(await listed('url=SHOP.TEST%2FB'), [withConsoleError]);
  assert.deepEqual(await listed('url=nowhere.test'), []);
});

test('event= lists the sessions with a tracker.event of that exact name', async () => {
  assert.deepEqual(await listed('event=coupon-applied'), [clean]);
  assert.deepEqual(await listed('event=coupon'), []);
});

test('filters combine: every one must match', async () => {
  assert.deepEqual(await listed('hasErrors=1&url=shop.test%2Fa'), [withError]);
  assert.deepEqual(await listed('hasErrors=1&event=coupon-applied'), []);
});

test('a hasErrors other than 0 or 1 is refused with 400', async () => {
  const {status, json} = await getJson(url, '/api/sessions?hasErrors=yes');
  assert.equal(status, 400);
  assert.match(json.error, /"hasErrors"/);
});
