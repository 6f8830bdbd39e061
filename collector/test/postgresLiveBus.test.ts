// The live bus of collectors sharing PostgreSQL (live/createPostgresLiveBus.ts):
// the same messages in the same order everywhere, large frames by reference
// and removed once read, late subscribers brought up to date, and presence
// for GET /api/live on any collector.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {createPostgresLiveBus, type PostgresLiveBus} from '../live/createPostgresLiveBus';
import type {LiveMessage} from '../live/liveBus';
import {createPostgresStorage} from '../storage/postgres/createPostgresStorage';
import type {BlobStore} from '../storage/s3/blobStore';
import {skipWithoutPostgres, startPostgresCluster, type PostgresCluster} from '../storage/test/postgresCluster';

const noBlobs: BlobStore = {put: async () => {}, get: async () => Buffer.from('[]'), getRange: async () => Buffer.from('[]'), deleteKeys: async () => {}, deletePrefix: async () => {}, close() {}};
const session = {sessionID: '', projectKey: 'demo', userID: 'ada', userUUID: 'u-1', metadata: {plan: 'pro'}, assistOnly: false};

describe('live bus on PostgreSQL', {skip: skipWithoutPostgres()}, () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startPostgresCluster();
  });
  after(() => cluster?.stop());

  /** A database with the schema and one session, and two buses on it (two collectors). */
  async function twoCollectors(): Promise<{database: string; sessionID: string; one: PostgresLiveBus; other: PostgresLiveBus; close(): Promise<void>}> {
    const database = await cluster.createDatabase();
    const storage = await createPostgresStorage({connectionString: database, blobs: noBlobs});
    const sessionID = `live${Math.random().toString(36).slice(2, 10)}`;
    await storage.createSession({...session, sessionID, startedAt: Date.now()});
    await storage.close();
    const [one, other] = await Promise.all([createPostgresLiveBus({connectionString: database}), createPostgresLiveBus({connectionString: database})]);
    return {database, sessionID, one, other, close: () => Promise.all([one.close(), other.close()]).then(() => {})};
  }

  const received = (bus: PostgresLiveBus, sessionID: string) => {
    const messages: LiveMessage[] = [];
    bus.subscribe(sessionID, (message) => messages.push(message));
    return messages;
  };

  async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const tabOpen = (sessionID: string, channel = 'c1'): LiveMessage => ({kind: 'tab-open', channel, tab: 't1', url: 'https://shop.test/', visible: true, since: Date.now(), session: {...session, sessionID}});
  const events = (channel: string, n: number, bytes: number): LiveMessage => ({kind: 'tab-events', channel, json: JSON.stringify({t: 'ev', n, pad: 'x'.repeat(bytes)}), arrivedAt: n});

  test('every collector subscribed gets the same messages in the order they were published, small and large alike', async () => {
    const {sessionID, one, other, close} = await twoCollectors();
    try {
      const atOne = received(one, sessionID);
      const atOther = received(other, sessionID);
      // Both listening before the events: the tab's opening reached both.
      const opened = tabOpen(sessionID);
      one.publish(sessionID, opened);
      await until(() => atOne.length === 1 && atOther.length === 1);
      const published = [events('c1', 1, 10), events('c1', 2, 20_000), {kind: 'agent-join', agent: 'a1', name: 'support', mayControl: true} as LiveMessage, events('c1', 3, 50), events('c1', 4, 9000)];
      for (const message of published) one.publish(sessionID, message);
      await until(() => atOne.length === published.length + 1 && atOther.length === published.length + 1);
      const kinds = (messages: LiveMessage[]) => messages.map((message) => (message.kind === 'tab-events' ? JSON.parse(message.json).n : message.kind));
      assert.deepEqual(kinds(atOne), kinds([opened, ...published]));
      assert.deepEqual(kinds(atOther), kinds([opened, ...published]));
      // Whole, field by field (a message replayed from the log comes back from jsonb, its keys in jsonb's order).
      [opened, ...published].forEach((message, i) => assert.deepStrictEqual(atOther[i], message, `message ${i}`));
    } finally {
      await close();
    }
  });

  test('a frame too large for NOTIFY travels by reference, and its row is removed once every subscriber read it', async () => {
    const {database, sessionID, one, other, close} = await twoCollectors();
    try {
      const atOne = received(one, sessionID);
      const atOther = received(other, sessionID);
      one.publish(sessionID, tabOpen(sessionID));
      await until(() => atOne.length === 1 && atOther.length === 1);
      one.publish(sessionID, events('c1', 1, 100_000));
      await until(() => atOne.length === 2 && atOther.length === 2);
      assert.equal(JSON.parse((atOther[1] as {json: string}).json).pad.length, 100_000);
      const client = new pg.Client({connectionString: database});
      await client.connect();
      try {
        const {rows} = await client.query('SELECT count(*)::int AS n FROM live_frames');
        assert.equal(rows[0].n, 0);
      } finally {
        await client.end();
      }
    } finally {
      await close();
    }
  });

  test('a collector that subscribes late gets the session as it is (tabs, agents), then live messages; never old events', async () => {
    const {sessionID, one, other, close} = await twoCollectors();
    try {
      const atOne = received(one, sessionID);
      one.publish(sessionID, tabOpen(sessionID));
      one.publish(sessionID, events('c1', 1, 10));
      one.publish(sessionID, {kind: 'tab-update', channel: 'c1', url: 'https://shop.test/cart', visible: true});
      await until(() => atOne.length === 3);
      const atOther = received(other, sessionID);
      await until(() => atOther.length === 2);
      assert.deepEqual(atOther.map((message) => message.kind), ['tab-open', 'tab-update']);
      one.publish(sessionID, events('c1', 2, 10));
      await until(() => atOther.length === 3);
      assert.equal(atOther[2].kind, 'tab-events');
    } finally {
      await close();
    }
  });

  test('a tab on one collector is listed live by the other, with the session\'s user and metadata, and leaves the list when it closes', async () => {
    const {sessionID, one, other, close} = await twoCollectors();
    try {
      received(one, sessionID);
      one.publish(sessionID, tabOpen(sessionID));
      one.publish(sessionID, {kind: 'agent-join', agent: 'a1', name: 'support', mayControl: false});
      let listed: Awaited<ReturnType<PostgresLiveBus['list']>> = [];
      const deadline = Date.now() + 5000;
      // The tab's row and then the agent's: published one after the other.
      while (!(listed = await other.list()).some((session) => session.agents.length) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(listed.length, 1);
      assert.deepEqual({...listed[0], tabs: listed[0].tabs.map(({tabID, url, visible}) => ({tabID, url, visible}))}, {
        sessionID,
        projectKey: 'demo',
        userID: 'ada',
        userUUID: 'u-1',
        metadata: {plan: 'pro'},
        assistOnly: false,
        agents: ['support'],
        tabs: [{tabID: 't1', url: 'https://shop.test/', visible: true}],
      });
      one.publish(sessionID, {kind: 'tab-close', channel: 'c1'});
      const gone = Date.now() + 5000;
      while ((await other.list()).length && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await other.list(), []);
    } finally {
      await close();
    }
  });
});
