// SPEC section 7 on the collector: frustration counts, the ?frustrated=1
// filter and the `trigger` mark of record-on-error sessions.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {summarizeEvents} from '../ingest/summarizeEvents';
import {collectorFor, custom, events, getJson, sendBatch, startSession} from './helpers';

const click = (tag: string) => custom(tag, {selector: 'main>button.buy', nodeId: 12});

test('rage, dead and error clicks are counted each on its own', () => {
  const change = summarizeEvents([
    click('tracker.rageclick'),
    click('tracker.deadclick'),
    click('tracker.deadclick'),
    click('tracker.errorclick'),
    custom('tracker.error', {kind: 'error', message: 'x'}),
  ]);
  assert.deepEqual([change.rageClicks, change.deadClicks, change.errorClicks], [1, 2, 1]);
  assert.equal(change.trigger, undefined);
});

test('a tracker.trigger event marks the session as recorded on error', () => {
  assert.equal(summarizeEvents([custom('tracker.trigger', {reason: 'error'})]).trigger, 'error');
});

test('counts and trigger reach the session, and ?frustrated=1 keeps only frustrated sessions', async () => {
  const {url} = await collectorFor();
  const calm = await startSession(url);
  await sendBatch(url, calm.sessionToken, 1, 0, events(3));
  const angry = await startSession(url, {forceNew: true});
  await sendBatch(url, angry.sessionToken, 1, 0, [custom('tracker.trigger', {reason: 'error'}), click('tracker.rageclick')]);
  await sendBatch(url, angry.sessionToken, 1, 1, [click('tracker.deadclick'), click('tracker.errorclick')]);

  const {json} = await getJson(url, `/api/sessions/${angry.sessionID}`);
  assert.deepEqual([json.rageClickCount, json.deadClickCount, json.errorClickCount, json.trigger], [1, 1, 1, 'error']);
  const quiet = (await getJson(url, `/api/sessions/${calm.sessionID}`)).json;
  assert.deepEqual([quiet.rageClickCount, quiet.deadClickCount, quiet.errorClickCount, quiet.trigger], [0, 0, 0, null]);

  const filtered = (await getJson(url, '/api/sessions?frustrated=1')).json.sessions.map((s: any) => s.sessionID);
  assert.deepEqual(filtered, [angry.sessionID]);
  const all = (await getJson(url, '/api/sessions?frustrated=0')).json.sessions;
  assert.equal(all.length, 2);
});

test('?frustrated= with anything but 1 or 0 is a 400 that says what it takes', async () => {
  const {url} = await collectorFor();
  const {status, json} = await getJson(url, '/api/sessions?frustrated=yes');
  assert.equal(status, 400);
  assert.match(json.error, /"frustrated" must be 1/);
});
