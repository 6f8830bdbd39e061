// The live bus of collectors that share PostgreSQL (liveBus.ts): a tracker
// connected to one collector and an agent connected to another see each
// other through the database they already share, with no other service.
//
// - Each session is a NOTIFY channel (`live_<sessionID>`). A collector
//   LISTENs to the sessions it holds sockets of, and applies their messages
//   in the order PostgreSQL delivers them (commit order, the same for every
//   listener, the publisher included). This collector's messages go out one
//   at a time on one connection, so they keep the order they were published in.
// - A message over NOTIFY's 8,000-byte payload (most event frames) travels
//   by reference: a row of `live_frames`, read by each subscriber of the
//   session and removed once the last one has read it (or, if a subscriber
//   died, by the sweep after FRAME_TTL_MS).
// - A collector that subscribes late (an agent joins a session whose tab is
//   on another collector) first replays the session's state messages from
//   `live_log` (everything but events and input), then the live ones.
// - Presence for `GET /api/live` on any collector: the collector holding a
//   socket keeps its row in `live_tabs` or `live_agents`, refreshed every
//   REFRESH_MS; rows not refreshed for PRESENCE_TTL_MS belong to a collector
//   that died, and are not listed (then swept).
//
// The tables are UNLOGGED: what they hold is about sockets open now, and
// means nothing after a database crash.
import {randomUUID} from 'node:crypto';
import type {LiveBus, LiveListener, LiveMessage} from './liveBus';
import type {LivePresence, LiveSessionPresence} from './livePresence';

const NOTIFY_MAX_BYTES = 7900;
const FRAME_TTL_MS = 30_000;
const REFRESH_MS = 20_000;
const PRESENCE_TTL_MS = 60_000;
/** Messages kept for late subscribers: everything that changes a session's state. */
const EPHEMERAL = new Set<LiveMessage['kind']>(['tab-events', 'agent-input', 'agent-resync']);

export interface PostgresLiveBusOptions {
  connectionString: string;
  log?: (line: string) => void;
  now?: () => number;
}

export interface PostgresLiveBus extends LiveBus, LivePresence {
  close(): Promise<void>;
}

/** A session's NOTIFY channel: an identifier of its own (session IDs are the collector's, but quoted all the same). */
const channelOf = (sessionID: string) => `live_${sessionID}`;
const quoted = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

export async function createPostgresLiveBus(options: PostgresLiveBusOptions): Promise<PostgresLiveBus> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const collectorID = randomUUID();
  const {default: pg} = await import('pg');
  // One connection publishes (in order), one listens; reads of frames and presence use the pool.
  const publisher = new pg.Client({connectionString: options.connectionString});
  const listener = new pg.Client({connectionString: options.connectionString});
  const pool = new pg.Pool({connectionString: options.connectionString, max: 3});
  const lost = (error: Error) => log(`live bus: database connection lost: ${error.message}`);
  publisher.on('error', lost);
  listener.on('error', lost);
  pool.on('error', lost);
  await Promise.all([publisher.connect(), listener.connect()]);

  interface Subscription {
    listeners: Set<LiveListener>;
    /** Messages that arrived while the log was being read; null once live. */
    waiting: Array<{seq: number | null; message: LiveMessage}> | null;
    /** The last logged message applied: older live copies are skipped. */
    appliedSeq: number;
  }
  const subscriptions = new Map<string, Subscription>();
  const byChannel = new Map<string, string>();

  const deliver = (sessionID: string, seq: number | null, message: LiveMessage) => {
    const subscription = subscriptions.get(sessionID);
    if (!subscription) return;
    if (subscription.waiting) return void subscription.waiting.push({seq, message});
    if (seq !== null) {
      if (seq <= subscription.appliedSeq) return;
      subscription.appliedSeq = seq;
    }
    for (const listen of subscription.listeners) listen(message);
  };

  // Notifications are handled one after the other: one that points at a
  // frame is read before the next is delivered, so the order holds.
  let incoming: Promise<void> = Promise.resolve();
  listener.on('notification', ({channel, payload}) => {
    const sessionID = byChannel.get(channel);
    if (!sessionID || !payload) return;
    const note = JSON.parse(payload) as {seq: number | null; message?: LiveMessage; frame?: number};
    incoming = incoming
      .then(async () => {
        if (note.message) return deliver(sessionID, note.seq, note.message);
        const {rows} = await pool.query('UPDATE live_frames SET remaining = remaining - 1 WHERE id = $1 RETURNING payload, remaining', [note.frame]);
        if (!rows.length) return;
        if (rows[0].remaining <= 0) await pool.query('DELETE FROM live_frames WHERE id = $1', [note.frame]);
        deliver(sessionID, note.seq, JSON.parse(rows[0].payload));
      })
      .catch((error) => log(`live bus: a message could not be read: ${error.message}`));
  });

  // ---- publishing, in order, on one connection
  let publishing: Promise<void> = Promise.resolve();
  const publishNow = async (sessionID: string, message: LiveMessage) => {
    await notePresence(sessionID, message);
    let seq: number | null = null;
    if (!EPHEMERAL.has(message.kind)) {
      const {rows} = await publisher.query('INSERT INTO live_log (session_id, message) VALUES ($1, $2) RETURNING seq', [sessionID, JSON.stringify(message)]);
      seq = Number(rows[0].seq);
    }
    const inline = JSON.stringify({seq, message});
    if (Buffer.byteLength(inline) <= NOTIFY_MAX_BYTES) {
      await publisher.query('SELECT pg_notify($1, $2)', [channelOf(sessionID), inline]);
      return;
    }
    // One row per message, read by every collector subscribed now.
    await publisher.query(
      `WITH frame AS (
         INSERT INTO live_frames (session_id, payload, remaining, created_at)
         SELECT $1, $2, count(*), $3 FROM live_subscribers WHERE session_id = $1
         RETURNING id)
       SELECT pg_notify($4, json_build_object('seq', $5::bigint, 'frame', id)::text) FROM frame`,
      [sessionID, JSON.stringify(message), now(), channelOf(sessionID), seq],
    );
  };

  // Presence rows follow what this collector's sockets say.
  async function notePresence(sessionID: string, message: LiveMessage): Promise<void> {
    const at = now();
    switch (message.kind) {
      case 'tab-open':
        await publisher.query(
          `INSERT INTO live_tabs (channel, session_id, tab_id, collector, url, visible, since, seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (channel) DO UPDATE SET url = excluded.url, visible = excluded.visible, seen_at = excluded.seen_at`,
          [message.channel, sessionID, message.tab, collectorID, message.url, message.visible, message.since, at],
        );
        return;
      case 'tab-update':
        await publisher.query('UPDATE live_tabs SET url = $2, visible = $3, seen_at = $4 WHERE channel = $1', [message.channel, message.url, message.visible, at]);
        return;
      case 'tab-close':
        await publisher.query('DELETE FROM live_tabs WHERE channel = $1', [message.channel]);
        return;
      case 'agent-join':
        await publisher.query(
          'INSERT INTO live_agents (agent, session_id, name, collector, seen_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent) DO NOTHING',
          [message.agent, sessionID, message.name, collectorID, at],
        );
        return;
      case 'agent-leave':
        await publisher.query('DELETE FROM live_agents WHERE agent = $1', [message.agent]);
        return;
    }
  }

  // ---- upkeep: this collector's rows stay fresh; what is left of dead collectors and finished sessions goes
  const upkeep = setInterval(() => {
    const at = now();
    void (async () => {
      await pool.query('UPDATE live_tabs SET seen_at = $2 WHERE collector = $1', [collectorID, at]);
      await pool.query('UPDATE live_agents SET seen_at = $2 WHERE collector = $1', [collectorID, at]);
      await pool.query('DELETE FROM live_tabs WHERE seen_at < $1', [at - PRESENCE_TTL_MS]);
      await pool.query('DELETE FROM live_agents WHERE seen_at < $1', [at - PRESENCE_TTL_MS]);
      await pool.query('DELETE FROM live_frames WHERE created_at < $1', [at - FRAME_TTL_MS]);
      await pool.query('DELETE FROM live_subscribers WHERE seen_at < $1', [at - PRESENCE_TTL_MS]);
      await pool.query('UPDATE live_subscribers SET seen_at = $2 WHERE collector = $1', [collectorID, at]);
      // A session nobody holds a socket of any more starts afresh next time.
      await pool.query(
        `DELETE FROM live_log l WHERE NOT EXISTS (SELECT 1 FROM live_tabs t WHERE t.session_id = l.session_id)
           AND NOT EXISTS (SELECT 1 FROM live_agents a WHERE a.session_id = l.session_id)
           AND NOT EXISTS (SELECT 1 FROM live_subscribers s WHERE s.session_id = l.session_id)`,
      );
    })().catch((error) => log(`live bus: upkeep failed: ${error.message}`));
  }, REFRESH_MS);
  upkeep.unref();

  async function subscribeNow(sessionID: string, subscription: Subscription): Promise<void> {
    const channel = channelOf(sessionID);
    byChannel.set(channel, sessionID);
    await listener.query(`LISTEN ${quoted(channel)}`);
    await pool.query(
      'INSERT INTO live_subscribers (session_id, collector, seen_at) VALUES ($1, $2, $3) ON CONFLICT (session_id, collector) DO UPDATE SET seen_at = excluded.seen_at',
      [sessionID, collectorID, now()],
    );
    // Listening first, then the log: nothing falls between the two.
    const {rows} = await pool.query('SELECT seq, message FROM live_log WHERE session_id = $1 ORDER BY seq', [sessionID]);
    const waiting = subscription.waiting ?? [];
    subscription.waiting = null;
    for (const row of rows) deliver(sessionID, Number(row.seq), row.message);
    for (const {seq, message} of waiting) deliver(sessionID, seq, message);
  }

  return {
    publish(sessionID, message) {
      publishing = publishing.then(() => publishNow(sessionID, message)).catch((error) => log(`live bus: a message could not be published: ${error.message}`));
    },

    subscribe(sessionID, listen) {
      let subscription = subscriptions.get(sessionID);
      if (!subscription) {
        subscription = {listeners: new Set(), waiting: [], appliedSeq: 0};
        subscriptions.set(sessionID, subscription);
        // Behind this collector's messages published so far: its own tab-open is in the log it reads.
        const created = subscription;
        publishing = publishing.then(() => subscribeNow(sessionID, created)).catch((error) => log(`live bus: could not listen to a session: ${error.message}`));
      }
      subscription.listeners.add(listen);
      return () => {
        const current = subscriptions.get(sessionID);
        if (!current) return;
        current.listeners.delete(listen);
        if (current.listeners.size) return;
        subscriptions.delete(sessionID);
        publishing = publishing
          .then(async () => {
            await listener.query(`UNLISTEN ${quoted(channelOf(sessionID))}`);
            byChannel.delete(channelOf(sessionID));
            await pool.query('DELETE FROM live_subscribers WHERE session_id = $1 AND collector = $2', [sessionID, collectorID]);
          })
          .catch((error) => log(`live bus: could not stop listening: ${error.message}`));
      };
    },

    async list() {
      const since = now() - PRESENCE_TTL_MS;
      const {rows} = await pool.query(
        `SELECT s.session_id, s.project_key, s.user_id, s.user_uuid, s.metadata, s.assist_only,
                (SELECT json_agg(json_build_object('tabID', t.tab_id, 'url', t.url, 'visible', t.visible, 'since', t.since) ORDER BY t.since)
                   FROM live_tabs t WHERE t.session_id = s.session_id AND t.seen_at >= $1) AS tabs,
                (SELECT coalesce(json_agg(DISTINCT a.name), '[]') FROM live_agents a WHERE a.session_id = s.session_id AND a.seen_at >= $1) AS agents
           FROM sessions s WHERE s.session_id IN (SELECT session_id FROM live_tabs WHERE seen_at >= $1)`,
        [since],
      );
      return rows.map(
        (row): LiveSessionPresence => ({
          sessionID: row.session_id,
          projectKey: row.project_key,
          userID: row.user_id,
          userUUID: row.user_uuid,
          metadata: row.metadata,
          assistOnly: row.assist_only,
          agents: [...row.agents].sort(),
          tabs: row.tabs,
        }),
      );
    },

    async close() {
      clearInterval(upkeep);
      await publishing;
      await incoming;
      await pool.query('DELETE FROM live_tabs WHERE collector = $1', [collectorID]).catch(() => {});
      await pool.query('DELETE FROM live_agents WHERE collector = $1', [collectorID]).catch(() => {});
      await pool.query('DELETE FROM live_subscribers WHERE collector = $1', [collectorID]).catch(() => {});
      await Promise.all([publisher.end(), listener.end(), pool.end()]).catch(() => {});
    },
  };
}
