// GET /api/sessions: the cursor (nextCursor, passed back as ?cursor=), the
// count (?count=1, ?count=exact), and the refusals of what they cannot use. The storage
// behind them is tested on every backend by storage/test/conformance.ts.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createFileStorage} from '../storage/file/createFileStorage';
import type {CountOptions} from '../storage/storage';
import {collectorFor, getJson, tempDir} from './helpers';

const base = Date.UTC(2026, 0, 1);
const storage = await createFileStorage(await tempDir());
const made: string[] = [];
// 12 sessions, 5 of them in the same millisecond; a third of them on the pro plan.
for (let i = 0; i < 12; i++) {
  const startedAt = i < 5 ? base : base + i * 1000;
  const session = await storage.createSession({
    sessionID: `paged-${String(i).padStart(2, '0')}`,
    projectKey: 'demo',
    userID: null,
    userUUID: `uuid-${i}`,
    metadata: {plan: i % 3 === 0 ? 'pro' : 'free'},
    startedAt,
    assistOnly: false,
  });
  made.push(session.sessionID);
}
// What each count asked of the storage.
const countsAsked: Array<CountOptions | undefined> = [];
const countSessions = storage.countSessions;
storage.countSessions = (filter, options) => {
  countsAsked.push(options);
  return countSessions(filter, options);
};
const {url} = await collectorFor({storage});

async function pageThrough(query: string): Promise<Array<Array<{sessionID: string; startedAt: number}>>> {
  const pages = [];
  let cursor = '';
  for (;;) {
    const {status, json} = await getJson(url, `/api/sessions?${query}${cursor}`);
    assert.equal(status, 200);
    pages.push(json.sessions);
    if (json.nextCursor === null) return pages;
    assert.equal(typeof json.nextCursor, 'string');
    cursor = `&cursor=${encodeURIComponent(json.nextCursor)}`;
    assert.ok(pages.length < 20);
  }
}

test('nextCursor pages through every session once, those of the same millisecond included, and is null on the last page', async () => {
  const pages = await pageThrough('limit=4');
  // 12 sessions in pages of 4: exactly full pages, and no empty one after them.
  assert.deepEqual(pages.map((page) => page.length), [4, 4, 4]);
  const seen = pages.flat();
  assert.deepEqual(seen.map((s) => s.sessionID).sort(), [...made].sort());
  assert.deepEqual(seen.slice(-5).map((s) => s.startedAt), Array(5).fill(base));
});

test('a cursor keeps the filters it pages through', async () => {
  const seen = (await pageThrough('limit=1&meta=plan:pro')).flat();
  assert.deepEqual(seen.map((s) => s.sessionID), ['paged-09', 'paged-06', 'paged-03', 'paged-00']);
});

test('before still pages as older clients do, and the answer keeps its shape with nextCursor added', async () => {
  const {json} = await getJson(url, `/api/sessions?limit=2&before=${base + 11_000}`);
  assert.deepEqual(Object.keys(json).sort(), ['nextCursor', 'sessions']);
  assert.deepEqual(json.sessions.map((s: {sessionID: string}) => s.sessionID), ['paged-10', 'paged-09']);
});

test('count=1 adds how many sessions match, exactly; without it there is no count', async () => {
  assert.deepEqual((await getJson(url, '/api/sessions?count=1&limit=1')).json.count, {value: 12, exact: true});
  assert.deepEqual((await getJson(url, '/api/sessions?count=1&meta=plan:pro')).json.count, {value: 4, exact: true});
  assert.equal((await getJson(url, '/api/sessions?count=0')).json.count, undefined);
  assert.equal((await getJson(url, '/api/sessions')).json.count, undefined);
});

test('count=exact asks the storage for a patient count (exact up to 10,000 even when slow), count=1 for a quick one', async () => {
  // A backend that counts apart from listing (as PostgreSQL does).
  const countingApart = await collectorFor({storage: {...storage, listAndCount: undefined}});
  countsAsked.length = 0;
  assert.deepEqual((await getJson(countingApart.url, '/api/sessions?count=exact&limit=1&meta=plan:pro')).json.count, {value: 4, exact: true});
  assert.deepEqual((await getJson(countingApart.url, '/api/sessions?count=1&limit=1')).json.count, {value: 12, exact: true});
  assert.deepEqual(countsAsked, [{patient: true}, {patient: false}]);
});

test('on the file backend, the page and its count come from one pass: the storage is never asked to count apart', async () => {
  countsAsked.length = 0;
  assert.deepEqual((await getJson(url, '/api/sessions?count=1&meta=plan:pro')).json.count, {value: 4, exact: true});
  assert.deepEqual((await getJson(url, '/api/sessions?count=exact&meta=plan:gold')).json.count, {value: 0, exact: true});
  // A page with more after it, and a later page: the count is of every match all the same.
  const first = (await getJson(url, '/api/sessions?count=1&limit=3&meta=plan:pro')).json;
  assert.deepEqual([first.sessions.length, first.count], [3, {value: 4, exact: true}]);
  const later = (await getJson(url, `/api/sessions?count=1&limit=3&meta=plan:pro&cursor=${encodeURIComponent(first.nextCursor)}`)).json;
  assert.deepEqual([later.sessions.map((s: {sessionID: string}) => s.sessionID), later.nextCursor, later.count], [['paged-00'], null, {value: 4, exact: true}]);
  const {json} = await getJson(url, '/api/sessions?limit=2');
  assert.deepEqual((await getJson(url, `/api/sessions?count=1&cursor=${encodeURIComponent(json.nextCursor)}`)).json.count, {value: 12, exact: true});
  assert.deepEqual(countsAsked, []);
});

test('a cursor the collector did not give is refused with 400 and a reason, so is a cursor with before', async () => {
  const refused = async (query: string, reason: RegExp) => {
    const {status, json} = await getJson(url, `/api/sessions?${query}`);
    assert.equal(status, 400, query);
    assert.match(json.error, reason);
  };
  const encoded = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of ['', 'not a cursor', 'bm90IGpzb24', encoded({startedAt: 1, sessionID: 'x'}), encoded([1.5, 'x']), encoded([1, '']), encoded([1, 2]), 'A'.repeat(2000)]) {
    await refused(`cursor=${encodeURIComponent(cursor)}`, /"cursor" is not one this collector gave: pass the nextCursor of the previous page unchanged/);
  }
  await refused(`cursor=${encoded([base, 'paged-03'])}&before=${base}`, /"cursor" and "before"/);
  await refused('count=yes', /"count" must be 1 .*, exact .* or 0/);
  await refused('url=ab', /"url" must be at least 3 characters/);
});
