import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdir, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Session} from '../storage/types';
import {collectorFor, getJson, tempDir} from './helpers';

const COUNT = 10_000;
const base = Date.UTC(2026, 0, 1);

// 10,000 sessions written the way the file storage keeps them, then loaded
// by a collector at start-up: the listing comes from its in-memory index.
// They are records as a collector before error counts and URLs wrote them.
type OlderSession = Omit<Session, 'errorCount' | 'consoleErrorCount' | 'failedRequestCount' | 'urls' | 'eventNames' | 'rageClickCount' | 'deadClickCount' | 'errorClickCount' | 'trigger'>;
const dataDir = await tempDir();
const startedAt = (i: number) => base + ((i * 7919) % COUNT) * 1000; // every second once, not in directory order
for (let i = 0; i < COUNT; i += 500) {
  await Promise.all(
    Array.from({length: 500}, async (_, j) => {
      const n = i + j;
      const session: OlderSession = {
        sessionID: `s${String(n).padStart(5, '0')}`,
        projectKey: 'demo',
        userID: n % 10 === 0 ? 'tenth' : null,
        userUUID: `uuid-${n}`,
        metadata: {plan: n % 2 ? 'pro' : 'free', shard: String(n % 3)},
        startedAt: startedAt(n),
        lastActivityAt: startedAt(n),
        firstEventAt: null,
        lastEventAt: null,
        customEventCount: 0,
        vitals: {},
        assistOnly: false,
        pages: [{pageID: 1, url: `http://shop.test/${n}`, referrer: '', startedAt: startedAt(n), eventCount: n}],
      };
      const dir = join(dataDir, 'sessions', session.sessionID);
      await mkdir(join(dir, '1'), {recursive: true});
      await writeFile(join(dir, 'session.json'), JSON.stringify(session));
    }),
  );
}
await writeFile(join(dataDir, 'clean-shutdown'), '');
const {url} = await collectorFor({dataDir});

const isNewestFirst = (sessions: Array<{startedAt: number}>) => sessions.every((s, i) => i === 0 || sessions[i - 1].startedAt > s.startedAt);

test('the listing answers the newest 100 sessions first by default', async () => {
  const {json} = await getJson(url, '/api/sessions');
  assert.equal(json.sessions.length, 100);
  assert.equal(json.sessions[0].startedAt, base + (COUNT - 1) * 1000);
  assert.ok(isNewestFirst(json.sessions));
  assert.deepEqual(Object.keys(json.sessions[0]).sort(), [
    'assistOnly', 'consoleErrorCount', 'customEventCount', 'deadClickCount', 'durationMs', 'errorClickCount', 'errorCount', 'eventNames', 'failedRequestCount',
    'lastEventAt', 'metadata', 'pages', 'projectKey', 'rageClickCount', 'sessionID', 'startedAt', 'trigger', 'urls', 'userID', 'userUUID', 'vitals',
  ]);
});

test('sessions written before error counts and URLs existed load with zero counts and their pages\' URLs', async () => {
  const {json} = await getJson(url, '/api/sessions/s00042');
  assert.equal(json.errorCount, 0);
  assert.equal(json.consoleErrorCount, 0);
  assert.equal(json.failedRequestCount, 0);
  assert.deepEqual(json.urls, ['http://shop.test/42']);
  assert.deepEqual(json.eventNames, []);
});

test('paging with limit and before walks all 10,000 sessions once, newest first', async () => {
  const seen: Array<{sessionID: string; startedAt: number}> = [];
  let before = '';
  for (;;) {
    const {json} = await getJson(url, `/api/sessions?limit=1000${before}`);
    if (!json.sessions.length) break;
    assert.ok(json.sessions.length <= 1000);
    seen.push(...json.sessions);
    before = `&before=${json.sessions.at(-1).startedAt}`;
  }
  assert.equal(seen.length, COUNT);
  assert.equal(new Set(seen.map((s) => s.sessionID)).size, COUNT);
  assert.ok(isNewestFirst(seen));
});

test('the listing filters by exact userID and by metadata key:value', async () => {
  const byUser = (await getJson(url, '/api/sessions?userID=tenth&limit=1000')).json.sessions;
  assert.equal(byUser.length, COUNT / 10);
  assert.ok(byUser.every((s: any) => s.userID === 'tenth'));
  const byMeta = (await getJson(url, '/api/sessions?meta=plan:pro&meta=shard:0&limit=1000')).json.sessions;
  assert.ok(byMeta.length > 0);
  assert.ok(byMeta.every((s: any) => s.metadata.plan === 'pro' && s.metadata.shard === '0'));
  assert.equal((await getJson(url, '/api/sessions?userID=nobody')).json.sessions.length, 0);
});

test('bad listing parameters are refused with 400 naming the parameter', async () => {
  for (const [query, name] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=ten', 'limit'], ['before=soon', 'before'], ['meta=plan', 'meta']]) {
    const {status, json} = await getJson(url, `/api/sessions?${query}`);
    assert.equal(status, 400, query);
    assert.match(json.error, new RegExp(`"${name}"`));
  }
});
