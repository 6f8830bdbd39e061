// What every storage backend must do, as one suite run unchanged against
// each (collector/test/fileStorage.test.ts, collector/test/postgresStorage.test.ts).
// A backend under test gives a fresh storage per test and a few hooks that
// reach under the interface: a second instance on the same data (another
// collector, or the same one after a restart), what is left in its store,
// and the traces a crash halfway through storing a batch would leave.
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {gzipSync} from 'node:zlib';
import {SessionErased, type NewSession, type SessionQuery, type Storage} from '../storage';
import type {RecordedEvent, Session} from '../types';

export interface BackendUnderTest {
  storage: Storage;
  /**
   * Another storage on the same data: for the file backend, the data
   * directory reopened once `storage` is closed; for a shared backend,
   * another collector's storage while the first one runs.
   */
  another(): Promise<Storage>;
  /** Whether `another()` runs beside `storage` (shared backend) or after it (one process owns the data). */
  concurrent: boolean;
  /** How many batch bodies the backend still holds for the session, anywhere. */
  storedBodies(sessionID: string): Promise<number>;
  /** Frees what the test's helpers hold (after every storage is closed). */
  close?(): Promise<void>;
  /** Leaves what a crash in the middle of storing this batch would leave (`storage` is closed first, as a killed process would be). */
  crashWhileStoring(batch: {sessionID: string; pageID: number; seq: number; body: Buffer}): Promise<void>;
}

export type OpenBackend = () => Promise<BackendUnderTest>;

const DAY = 86_400_000;
let counter = 0;

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  counter++;
  return {
    sessionID: `conf${process.pid}x${counter}x${Math.random().toString(36).slice(2, 8)}`,
    projectKey: 'demo',
    userID: null,
    userUUID: `uuid-${counter}`,
    metadata: {},
    startedAt: Date.now(),
    assistOnly: false,
    ...overrides,
  };
}

const page = (url = 'http://shop.test/') => ({url, referrer: '', startedAt: Date.now()});

function batchOf(events: RecordedEvent[]): {body: Buffer; eventCount: number} {
  return {body: Buffer.from(JSON.stringify(events)), eventCount: events.length};
}

const numbered = (from: number, count: number): RecordedEvent[] => Array.from({length: count}, (_, i) => ({type: 3, timestamp: 1000 + from + i, data: {n: from + i}}));

async function readEvents(storage: Storage, sessionID: string, pageID: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const body of await storage.readPageBatches(sessionID, pageID)) events.push(...(JSON.parse(body.toString('utf8')) as RecordedEvent[]));
  return events;
}

async function sessionWithPage(storage: Storage, overrides: Partial<NewSession> = {}): Promise<string> {
  const session = await storage.createSession(newSession(overrides));
  await storage.addPage(session.sessionID, page());
  return session.sessionID;
}

/** Every page of a listing, each from the cursor of the one before; `meanwhile` runs between pages. */
async function pageThrough(storage: Storage, query: SessionQuery, meanwhile?: (shown: Session[]) => Promise<void>): Promise<Session[][]> {
  const pages: Session[][] = [];
  let cursor: SessionQuery['cursor'];
  for (;;) {
    const page = await storage.listSessions({...query, cursor});
    if (!page.length) return pages;
    pages.push(page);
    const last = page[page.length - 1];
    cursor = {startedAt: last.startedAt, sessionID: last.sessionID};
    await meanwhile?.(pages.flat());
    assert.ok(pages.length < 100, 'paging ends');
  }
}

export function storageConformance(name: string, open: OpenBackend): void {
  // Each test gets its backend, closed afterwards (a test that closed it already is fine).
  async function withBackend(work: (backend: BackendUnderTest) => Promise<void>): Promise<void> {
    const backend = await open();
    const opened: Storage[] = [backend.storage];
    const another = backend.another;
    backend.another = async () => {
      const storage = await another();
      opened.push(storage);
      return storage;
    };
    try {
      await work(backend);
    } finally {
      for (const storage of opened) await storage.close().catch(() => {});
      await backend.close?.();
    }
  }

  describe(`storage conformance: ${name}`, () => {
    test('a stored batch reads back as stored and adds to its page\'s event count', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        assert.equal(await storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 5))}), 'stored');
        assert.deepEqual(await readEvents(storage, id, 1), numbered(0, 5));
        assert.equal((await storage.getSession(id))!.pages[0].eventCount, 5);
      }));

    test('a batch given gzipped, as the tracker sent it, reads back as its JSON', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        const {body, eventCount} = batchOf(numbered(0, 4));
        // A backend that keeps the gzip is given no inflated copy (ingest/handleBatch.ts).
        const given = storage.keepsGzip ? Buffer.alloc(0) : body;
        assert.equal(await storage.putBatch({sessionID: id, pageID: 1, seq: 0, body: given, gzip: gzipSync(body), jsonBytes: body.length, eventCount}), 'stored');
        await storage.putBatch({sessionID: id, pageID: 1, seq: 1, ...batchOf(numbered(4, 1))});
        assert.deepEqual(await readEvents(storage, id, 1), numbered(0, 5));
        assert.equal((await storage.getSession(id))!.pages[0].eventCount, 5);
      }));

    test('a batch stored twice is a duplicate the second time and is kept once', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        await storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 3))});
        assert.equal(await storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 3))}), 'duplicate');
        assert.deepEqual(await readEvents(storage, id, 1), numbered(0, 3));
        assert.equal((await storage.getSession(id))!.pages[0].eventCount, 3);
      }));

    test('the same batch stored by concurrent requests is stored exactly once', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const id = await sessionWithPage(storage);
        const others = backend.concurrent ? [await backend.another(), await backend.another()] : [storage, storage];
        const outcomes = await Promise.all([storage, ...others, storage].map((s) => s.putBatch({sessionID: id, pageID: 1, seq: 7, ...batchOf(numbered(0, 4))})));
        assert.deepEqual(outcomes.sort(), ['duplicate', 'duplicate', 'duplicate', 'stored']);
        assert.deepEqual(await readEvents(storage, id, 1), numbered(0, 4));
        assert.equal(await backend.storedBodies(id), 1);
        assert.equal((await storage.getSession(id))!.pages[0].eventCount, 4);
      }));

    test('batches stored out of order read back in seq order, 2 before 10', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        for (const seq of [10, 2, 0, 1]) await storage.putBatch({sessionID: id, pageID: 1, seq, ...batchOf(numbered(seq * 10, 2))});
        assert.deepEqual(
          (await readEvents(storage, id, 1)).map((event) => (event.data as {n: number}).n),
          [0, 1, 10, 11, 20, 21, 100, 101],
        );
      }));

    test('each page keeps its own batches, numbered 1, 2, 3 even when added at once', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const session = await storage.createSession(newSession());
        const writers = backend.concurrent ? [storage, await backend.another(), await backend.another()] : [storage, storage, storage];
        const pages = await Promise.all(writers.map((s, i) => s.addPage(session.sessionID, page(`http://shop.test/${i}`))));
        assert.deepEqual(pages.map((p) => p.pageID).sort(), [1, 2, 3]);
        await storage.putBatch({sessionID: session.sessionID, pageID: 2, seq: 0, ...batchOf(numbered(0, 2))});
        await storage.putBatch({sessionID: session.sessionID, pageID: 3, seq: 0, ...batchOf(numbered(50, 1))});
        assert.deepEqual(await readEvents(storage, session.sessionID, 1), []);
        assert.deepEqual(await readEvents(storage, session.sessionID, 2), numbered(0, 2));
        assert.deepEqual((await storage.getSession(session.sessionID))!.pages.map((p) => p.eventCount), [0, 2, 1]);
      }));

    test('a page of many batches streams them one at a time', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        for (let seq = 0; seq < 60; seq++) await storage.putBatch({sessionID: id, pageID: 1, seq, ...batchOf(numbered(seq, 1))});
        const batches = await storage.readPageBatches(id, 1);
        let count = 0;
        for await (const body of batches) {
          assert.ok(Buffer.isBuffer(body));
          assert.deepEqual(JSON.parse(body.toString()), numbered(count, 1));
          count++;
        }
        assert.equal(count, 60);
      }));

    test('sessions are listed newest first, limited, and paged with before', () =>
      withBackend(async ({storage}) => {
        const base = Date.UTC(2026, 0, 1);
        for (let i = 0; i < 5; i++) await storage.createSession(newSession({startedAt: base + i * 1000}));
        const newest = await storage.listSessions({limit: 3});
        assert.deepEqual(newest.map((s) => s.startedAt), [base + 4000, base + 3000, base + 2000]);
        const older = await storage.listSessions({limit: 3, before: base + 2000});
        assert.deepEqual(older.map((s) => s.startedAt), [base + 1000, base]);
      }));

    test('a cursor pages exactly through sessions that started in the same millisecond', () =>
      withBackend(async ({storage}) => {
        const base = Date.UTC(2026, 0, 1);
        const made = [];
        for (const startedAt of [base - 1000, ...Array(7).fill(base), base + 1000]) made.push((await storage.createSession(newSession({startedAt}))).sessionID);
        const pages = await pageThrough(storage, {limit: 3});
        assert.deepEqual(pages.map((page) => page.length), [3, 3, 3]);
        const seen = pages.flat();
        assert.deepEqual(seen.map((s) => s.sessionID).sort(), made.sort(), 'each session once');
        assert.deepEqual(seen.map((s) => s.startedAt), [base + 1000, ...Array(7).fill(base), base - 1000]);
        // The order within the millisecond is the one the cursor follows: by sessionID, descending.
        const ties = seen.slice(1, 8).map((s) => s.sessionID);
        assert.deepEqual(ties, [...ties].sort().reverse());
      }));

    test('cursor paging returns every session once while other sessions arrive, a filter too', () =>
      withBackend(async ({storage}) => {
        const base = Date.UTC(2026, 0, 1);
        const before: string[] = [];
        const pro: string[] = [];
        for (let i = 0; i < 24; i++) {
          // Two sessions in each of 12 milliseconds; every other one on the pro plan.
          const session = await storage.createSession(newSession({startedAt: base + Math.floor(i / 2), metadata: {plan: i % 2 ? 'pro' : 'free'}}));
          before.push(session.sessionID);
          if (i % 2) pro.push(session.sessionID);
        }
        let arrived = 0;
        // Between pages: one newer session, and one as old as the oldest shown so far.
        const meanwhile = async (shown: Session[]) => {
          arrived++;
          await storage.createSession(newSession({startedAt: base + 1000 + arrived, metadata: {plan: 'pro'}}));
          await storage.createSession(newSession({startedAt: shown.at(-1)!.startedAt, metadata: {plan: 'pro'}}));
        };
        for (const [query, expected] of [[{limit: 5}, before], [{limit: 3, meta: [['plan', 'pro']] as Array<[string, string]>}, pro]] as const) {
          const seen = (await pageThrough(storage, query, meanwhile)).flat();
          const ids = seen.map((s) => s.sessionID);
          assert.equal(new Set(ids).size, ids.length, 'no session twice');
          for (const id of expected) assert.ok(ids.includes(id), `${id} was listed`);
          assert.ok(seen.every((s, i) => i === 0 || s.startedAt <= seen[i - 1].startedAt), 'newest first across pages');
        }
        assert.ok(arrived > 0);
      }));

    test('counts the sessions a filter matches, exactly when there are few', () =>
      withBackend(async ({storage}) => {
        const a = await sessionWithPage(storage, {userID: 'ann', metadata: {plan: 'pro'}});
        const b = await sessionWithPage(storage, {userID: 'ann', metadata: {plan: 'free'}, projectKey: 'blog'});
        await sessionWithPage(storage, {metadata: {plan: 'pro'}});
        await storage.updateSession(a, {errors: 1, urls: ['http://shop.test/Checkout/done'], eventNames: ['paid']});
        await storage.updateSession(b, {rageClicks: 1, urls: ['http://shop.test/checkout/step-1']});
        const count = (filter: Parameters<Storage['countSessions']>[0]) => storage.countSessions(filter);
        assert.deepEqual(await count({}), {value: 3, exact: true});
        assert.deepEqual(await count({userID: 'ann'}), {value: 2, exact: true});
        assert.deepEqual(await count({meta: [['plan', 'pro']]}), {value: 2, exact: true});
        assert.deepEqual(await count({hasErrors: true}), {value: 1, exact: true});
        assert.deepEqual(await count({frustrated: true}), {value: 1, exact: true});
        assert.deepEqual(await count({url: 'CHECKOUT'}), {value: 2, exact: true});
        assert.deepEqual(await count({url: 'checkout/done', meta: [['plan', 'pro']]}), {value: 1, exact: true});
        assert.deepEqual(await count({event: 'paid', userID: 'ann'}), {value: 1, exact: true});
        assert.deepEqual(await count({projects: ['blog']}), {value: 1, exact: true});
        assert.deepEqual(await count({url: 'nowhere', hasErrors: true}), {value: 0, exact: true});
      }));

    test('where a backend lists and counts in one pass, it answers as listing and counting apart would', () =>
      withBackend(async ({storage}) => {
        if (!storage.listAndCount) return;
        const base = Date.UTC(2026, 0, 1);
        for (let i = 0; i < 9; i++) await storage.createSession(newSession({startedAt: base + Math.floor(i / 3), metadata: {plan: i % 3 ? 'free' : 'pro'}}));
        const [newest] = await storage.listSessions({limit: 1});
        const queries = [{limit: 4}, {limit: 20}, {limit: 2, meta: [['plan', 'pro']] as Array<[string, string]>}, {limit: 2, cursor: newest}, {limit: 3, before: base + 2}];
        for (const query of queries) {
          const {before, cursor, limit, ...filter} = query as SessionQuery;
          const apart = {sessions: await storage.listSessions(query), count: await storage.countSessions(filter)};
          const together = await storage.listAndCount(query);
          assert.deepEqual(together.sessions.map((s) => s.sessionID), apart.sessions.map((s) => s.sessionID), JSON.stringify({before, cursor, limit}));
          assert.deepEqual(together.count, apart.count);
        }
      }));

    test('the listing filters by userID, metadata, errors, visited URL and custom event name', () =>
      withBackend(async ({storage}) => {
        const a = await sessionWithPage(storage, {userID: 'ann', metadata: {plan: 'pro', shard: '1'}});
        const b = await sessionWithPage(storage, {userID: 'bob', metadata: {plan: 'free'}});
        const c = await sessionWithPage(storage);
        await storage.putBatch({sessionID: a, pageID: 1, seq: 0, ...batchOf(numbered(0, 1)), change: {failedRequests: 1, urls: ['http://Shop.test/Cart']}});
        await storage.updateSession(b, {consoleErrors: 2, eventNames: ['signup']});
        await storage.updateSession(c, {urls: ['http://shop.test/home'], eventNames: ['search']});
        const ids = async (query: Parameters<Storage['listSessions']>[0]) => (await storage.listSessions(query)).map((s) => s.sessionID).sort();
        assert.deepEqual(await ids({limit: 10, userID: 'ann'}), [a]);
        assert.deepEqual(await ids({limit: 10, meta: [['plan', 'pro'], ['shard', '1']]}), [a]);
        assert.deepEqual(await ids({limit: 10, meta: [['plan', 'pr']]}), []);
        assert.deepEqual(await ids({limit: 10, hasErrors: true}), [a, b].sort());
        assert.deepEqual(await ids({limit: 10, url: 'shop.test/cart'}), [a]);
        assert.deepEqual(await ids({limit: 10, url: 'SHOP.TEST'}), [a, c].sort());
        assert.deepEqual(await ids({limit: 10, event: 'signup'}), [b]);
        assert.deepEqual(await ids({limit: 10, event: 'sign'}), []);
      }));

    test('frustration counts and the record-on-error trigger are kept, and the listing filters by frustration', () =>
      withBackend(async ({storage}) => {
        const calm = await sessionWithPage(storage);
        const angry = await sessionWithPage(storage);
        await storage.putBatch({sessionID: angry, pageID: 1, seq: 0, ...batchOf(numbered(0, 1)), change: {rageClicks: 2, deadClicks: 1, trigger: 'error'}});
        await storage.updateSession(angry, {errorClicks: 1});
        const session = (await storage.getSession(angry))!;
        assert.deepEqual([session.rageClickCount, session.deadClickCount, session.errorClickCount, session.trigger], [2, 1, 1, 'error']);
        assert.deepEqual([(await storage.getSession(calm))!.rageClickCount, (await storage.getSession(calm))!.trigger], [0, null]);
        assert.deepEqual((await storage.listSessions({limit: 10, frustrated: true})).map((s) => s.sessionID), [angry]);
      }));

    test('a stored batch applies its summary once; a duplicate does not apply it again', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage);
        const change = {errors: 1, customEvents: 2, userID: 'u-1', urls: ['http://shop.test/a'], eventNames: ['buy'], firstEventAt: 5, lastEventAt: 9};
        await storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 2)), change});
        await storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 2)), change});
        const session = (await storage.getSession(id))!;
        assert.equal(session.errorCount, 1);
        assert.equal(session.customEventCount, 2);
        assert.equal(session.userID, 'u-1');
        assert.deepEqual(session.urls, ['http://shop.test/a']);
        assert.deepEqual(session.eventNames, ['buy']);
        assert.deepEqual([session.firstEventAt, session.lastEventAt], [5, 9]);
      }));

    test('summary updates from many writers at once are all kept', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const id = await sessionWithPage(storage);
        const writers = backend.concurrent ? [storage, await backend.another()] : [storage, storage];
        await Promise.all(
          Array.from({length: 20}, (_, i) =>
            i % 2
              ? writers[i % 2].updateSession(id, {errors: 1, metadata: {[`k${i}`]: 'v'}, urls: [`http://shop.test/${i}`]})
              : writers[i % 2].putBatch({sessionID: id, pageID: 1, seq: i, ...batchOf(numbered(i, 1)), change: {failedRequests: 1, eventNames: [`e${i}`]}}),
          ),
        );
        const session = (await storage.getSession(id))!;
        assert.equal(session.errorCount, 10);
        assert.equal(session.failedRequestCount, 10);
        assert.equal(Object.keys(session.metadata).length, 10);
        assert.equal(session.urls.length, 10);
        assert.equal(session.eventNames.length, 10);
        assert.equal(session.pages[0].eventCount, 10);
      }));

    test('what was stored is there for another instance (or after a restart)', () =>
      withBackend(async (backend) => {
        const id = await sessionWithPage(backend.storage, {userID: 'kept', metadata: {plan: 'pro'}});
        await backend.storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 3)), change: {errors: 1}});
        await backend.storage.updateSession(id, {consoleErrors: 1});
        if (!backend.concurrent) await backend.storage.close();
        const other = await backend.another();
        const session = (await other.getSession(id))!;
        assert.equal(session.userID, 'kept');
        assert.deepEqual(session.metadata, {plan: 'pro'});
        assert.equal(session.errorCount, 1);
        assert.equal(session.consoleErrorCount, 1);
        assert.equal(session.pages[0].eventCount, 3);
        assert.deepEqual(await readEvents(other, id, 1), numbered(0, 3));
      }));

    test('a login is read back until it expires, and taken once only, also by racing instances', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const now = Date.now();
        const login = {idHash: `h${counter++}`, kind: 'session' as const, keyName: 'support', createdAt: now, expiresAt: now + 60_000};
        await storage.putLogin(login);
        assert.deepEqual(await storage.getLogin(login.idHash, now), login);
        assert.equal(await storage.getLogin(login.idHash, now + 60_000), undefined, 'expired');
        assert.equal(await storage.getLogin('no-such-hash', now), undefined);
        const link = {...login, idHash: `h${counter++}`, kind: 'link' as const};
        await storage.putLogin(link);
        const others = backend.concurrent ? [await backend.another(), await backend.another()] : [storage, storage];
        const taken = await Promise.all([storage, ...others].map((s) => s.takeLogin(link.idHash)));
        assert.deepEqual(taken.filter(Boolean), [link], 'one caller gets it');
        assert.equal(await storage.getLogin(link.idHash, now), undefined);
      }));

    test('a login and the audit log are there for another instance (or after a restart)', () =>
      withBackend(async (backend) => {
        const now = Date.now();
        const login = {idHash: `h${counter++}`, kind: 'session' as const, keyName: 'ops', createdAt: now, expiresAt: now + 60_000};
        await backend.storage.putLogin(login);
        await backend.storage.appendAudit({at: now, actor: 'ops', action: 'login', address: '198.51.100.9', detail: 'with a key'});
        if (!backend.concurrent) await backend.storage.close();
        const other = await backend.another();
        assert.deepEqual(await other.getLogin(login.idHash, now), login);
        assert.deepEqual(await other.listAudit({limit: 10}), [{at: now, actor: 'ops', action: 'login', address: '198.51.100.9', detail: 'with a key'}]);
      }));

    test('the audit log lists newest first, pages with before, filters by session, and an erasure keeps its entries', () =>
      withBackend(async ({storage}) => {
        const id = await sessionWithPage(storage, {userID: 'leaving'});
        const base = Date.now();
        await storage.appendAudit({at: base, actor: null, action: 'login_failed', address: '203.0.113.7', detail: 'an unknown key'});
        await storage.appendAudit({at: base + 1, actor: 'ops', action: 'replay_opened', address: '127.0.0.1', sessionID: id, userID: 'leaving', projectKey: 'demo'});
        await storage.erase({userID: 'leaving'});
        await storage.appendAudit({at: base + 2, actor: 'ops', action: 'erase', address: '127.0.0.1', userID: 'leaving', detail: `1 sessions of the user: ${id}`});
        const all = await storage.listAudit({limit: 10});
        assert.deepEqual(all.map((entry) => entry.action), ['erase', 'replay_opened', 'login_failed']);
        assert.deepEqual(all[1], {at: base + 1, actor: 'ops', action: 'replay_opened', address: '127.0.0.1', sessionID: id, userID: 'leaving', projectKey: 'demo'});
        assert.equal(all[2].actor, null);
        assert.deepEqual((await storage.listAudit({limit: 1})).map((entry) => entry.at), [base + 2]);
        assert.deepEqual((await storage.listAudit({limit: 10, before: base + 2})).map((entry) => entry.at), [base + 1, base]);
        assert.deepEqual((await storage.listAudit({limit: 10, sessionID: id})).map((entry) => entry.action), ['replay_opened']);
      }));

    test('listing and erasure limited to projects leave other projects\' sessions alone', () =>
      withBackend(async ({storage}) => {
        const shop = await sessionWithPage(storage, {projectKey: 'shop', userID: 'both'});
        const blog = await sessionWithPage(storage, {projectKey: 'blog', userID: 'both'});
        assert.deepEqual((await storage.listSessions({limit: 10, projects: ['shop']})).map((s) => s.sessionID), [shop]);
        assert.deepEqual(await storage.erase({sessionID: blog, projects: ['shop']}), []);
        assert.deepEqual(await storage.erase({userID: 'both', projects: ['shop']}), [shop]);
        assert.ok(await storage.getSession(blog));
      }));

    test('retention removes sessions inactive since the cutoff, their events too, and keeps the rest', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const now = Date.now();
        const old = [];
        for (let i = 0; i < 3; i++) old.push(await sessionWithPage(storage, {startedAt: now - 40 * DAY + i}));
        await storage.putBatch({sessionID: old[0], pageID: 1, seq: 0, ...batchOf(numbered(0, 2))});
        const recent = await sessionWithPage(storage, {startedAt: now - 40 * DAY});
        await storage.updateSession(recent, {activeAt: now - DAY});
        assert.equal(await storage.removeInactiveSince(now - 30 * DAY, 2), 2);
        assert.equal(await storage.removeInactiveSince(now - 30 * DAY, 2), 1);
        assert.equal(await storage.removeInactiveSince(now - 30 * DAY, 2), 0);
        for (const id of old) assert.equal(await storage.getSession(id), undefined);
        assert.equal(await backend.storedBodies(old[0]), 0);
        assert.ok(await storage.getSession(recent));
        // Removed by retention, not erased: no tombstone.
        assert.equal(await storage.isErased(old[0]), false);
      }));

    test('erasing a session removes it and every stored event for good', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const id = await sessionWithPage(storage);
        const kept = await sessionWithPage(storage);
        // Stored at once, among others: a backend that keeps batches stored together in one object must still erase this one alone.
        await Promise.all(
          [kept, kept, kept, id, kept].map((sessionID, seq) => storage.putBatch({sessionID, pageID: 1, seq, ...batchOf(numbered(seq * 2, 2))})),
        );
        assert.deepEqual(await storage.erase({sessionID: id}), [id]);
        assert.equal(await storage.getSession(id), undefined);
        assert.ok(!(await storage.listSessions({limit: 100})).some((s) => s.sessionID === id));
        assert.equal(await backend.storedBodies(id), 0);
        assert.equal(await storage.isErased(id), true);
        assert.deepEqual(await readEvents(storage, kept, 1), [...numbered(0, 6), ...numbered(8, 2)]);
        assert.deepEqual(await storage.erase({sessionID: id}), []);
      }));

    test('erasing by userID removes every session of that user and only those', () =>
      withBackend(async ({storage}) => {
        const mine = [await sessionWithPage(storage, {userID: 'erase-me'}), await sessionWithPage(storage, {userID: 'erase-me'})];
        const other = await sessionWithPage(storage, {userID: 'keep-me'});
        assert.deepEqual((await storage.erase({userID: 'erase-me'})).sort(), mine.sort());
        assert.deepEqual((await storage.listSessions({limit: 10, userID: 'erase-me'})).length, 0);
        assert.ok(await storage.getSession(other));
      }));

    test('a batch, a page or a change arriving after the erasure is refused, not brought back', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const id = await sessionWithPage(storage);
        await storage.erase({sessionID: id});
        await assert.rejects(storage.putBatch({sessionID: id, pageID: 1, seq: 1, ...batchOf(numbered(0, 2))}), SessionErased);
        await assert.rejects(storage.addPage(id, page()), SessionErased);
        await assert.rejects(storage.updateSession(id, {activeAt: Date.now()}), SessionErased);
        assert.equal(await storage.getSession(id), undefined);
        assert.equal(await backend.storedBodies(id), 0);
      }));

    test('a session erased by another instance is refused here too, whatever this one checked before', () =>
      withBackend(async (backend) => {
        const {storage} = backend;
        const id = await sessionWithPage(storage);
        // As a batch is checked: a backend may answer this from a cache.
        assert.ok(await (storage.sessionForBatch ? storage.sessionForBatch(id, 1) : storage.getSession(id)));
        // One process owns the file backend's data: there the erasure comes through the same instance.
        const eraser = backend.concurrent ? await backend.another() : storage;
        await eraser.erase({sessionID: id});
        await assert.rejects(storage.putBatch({sessionID: id, pageID: 1, seq: 1, ...batchOf(numbered(0, 2))}), SessionErased);
        await assert.rejects(storage.updateSession(id, {activeAt: Date.now()}), SessionErased);
        assert.equal(await backend.storedBodies(id), 0);
      }));

    test('a crash while a batch is stored leaves no partial batch, and the batch can be sent again', () =>
      withBackend(async (backend) => {
        const id = await sessionWithPage(backend.storage);
        await backend.storage.putBatch({sessionID: id, pageID: 1, seq: 0, ...batchOf(numbered(0, 2))});
        const body = Buffer.from(JSON.stringify(numbered(2, 3)));
        await backend.crashWhileStoring({sessionID: id, pageID: 1, seq: 1, body});
        const after = await backend.another();
        assert.deepEqual(await readEvents(after, id, 1), numbered(0, 2));
        assert.equal((await after.getSession(id))!.pages[0].eventCount, 2);
        assert.equal(await after.putBatch({sessionID: id, pageID: 1, seq: 1, body, eventCount: 3}), 'stored');
        assert.deepEqual(await readEvents(after, id, 1), numbered(0, 5));
      }));
  });
}
