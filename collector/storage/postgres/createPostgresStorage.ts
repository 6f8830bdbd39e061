// Storage for more than one collector: PostgreSQL keeps the index (sessions,
// pages, the batch manifest), an S3-compatible object store keeps the batch
// bodies, those stored at the same time in one object, a pack
// (createPostgresBatchStore.ts says how a pack is stored, and why).
//
// A pack may come to hold bytes no row names: a batch that was a duplicate,
// or whose session was erased or removed by retention. Such a pack is noted
// for review, in the same transaction that made it so; a review rewrites it
// with the batches still named (the rows are moved to the new object in one
// transaction) or deletes it once none is. So an erased session's events
// leave the store, even those that shared an object with other sessions.
//
// Nothing another instance can change is cached here: every call asks the
// database, so a session, page or batch written by one collector is seen by
// all at once. The one cache is what a batch is checked against
// (sessionForBatch): a session's project, assist-only flag and pages, which
// never change but for pages added; a batch for a session erased or removed
// meanwhile is found out when its pack is committed.
//
// Every transaction that touches a session locks its row first (then pages,
// then batches), in session_id order, a pack review's move of batch rows
// included: the order that keeps erasure, ingest and reviews from
// deadlocking, and what makes a summary update read-modify-write without
// lost updates.
//
// Nothing waits on the database without a bound: taking a connection, and
// every statement, give up after `timeoutMs` (a database that hangs, rather
// than refuses, is answered 503 within seconds instead of piling requests
// up until the collector's connection cap). The schema migrations at
// start-up are the exception: they may rightly take long.
//
// An erasure or a retention step has taken effect once its transaction
// commits: the rows are gone, and notes say which objects are due (the
// session's own objects in pending_object_removals, its packs in
// pack_notes). They are dealt with at once if the store answers; if it does
// not, the erasure is answered all the same, and the sweep (every
// `removalSweepMs`, and at start-up) finishes once the store is back.
// Several collectors sweeping the same note is harmless.
import type {PoolClient} from 'pg';
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {Page, Session} from '../types';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import type {BlobStore} from '../s3/blobStore';
import {SessionErased, SessionGone, type BatchSession, type BatchToStore, type Erasure, type NewPage, type NewSession, type SessionChange, type SessionFilter, type SessionQuery, type Storage} from '../storage';
import {asStorageError} from './asStorageError';
import {countSessions} from './countSessions';
import {createBatchSessionCache} from './createBatchSessionCache';
import {createPostgresAccessStore} from './createPostgresAccessStore';
import {createPostgresBatchStore, packKey, packOffsets} from './createPostgresBatchStore';
import {database, type Queryable} from './database';
import {listSessions, pagesJson} from './listSessions';
import {migrate} from './migrate';
import {SUMMARY_FROM_RECORDS, summaryRecord, summaryUpdate, summaryValues, toSession} from './sessionRow';

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database (libpq's PG* environment variables fill what is left out). */
  connectionString: string;
  blobs: BlobStore;
  /** Prepended to every object key: '' or ending in '/'. */
  prefix?: string;
  /** Connections per collector (default 10). */
  poolSize?: number;
  /**
   * How long taking a connection, or one statement, may take before it fails
   * as StorageUnavailable (default 5000 ms).
   */
  timeoutMs?: number;
  /** How often objects of removed sessions still in the store are looked for and deleted (default 60 s). */
  removalSweepMs?: number;
  /** How old a note of a pack being written must be before the pack is taken for a crash's leftover (default 12 × timeoutMs). */
  packOrphanMs?: number;
  log?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_REMOVAL_SWEEP_MS = 60_000;
// Notes of pending removals read at once by a sweep.
const REMOVALS_PER_STEP = 100;

/** A note in pack_notes: `since` tells this note from a later one. */
interface PackNote {
  object_key: string;
  state: 'writing' | 'review';
  since: string;
}

/** A batch row as a pack review sees it. */
interface PackedRow {
  session_id: string;
  page_id: number;
  seq: number;
  object_offset: number;
  bytes: number;
}

/** A session whose objects are due for deletion, as noted: `since` tells this note from a later one. */
interface PendingRemoval {
  session_id: string;
  since: string;
}

const READ_ONLY = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

const SELECT_SESSION = `SELECT s.*, ${pagesJson('s')} FROM sessions s`;

export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const log = options.log ?? (() => {});
  const blobs = options.blobs;
  const prefix = options.prefix ?? '';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const removalSweepMs = options.removalSweepMs ?? DEFAULT_REMOVAL_SWEEP_MS;
  // Longer than a pack's upload and transaction can take (each bounded by the timeouts).
  const packOrphanMs = options.packOrphanMs ?? 12 * timeoutMs;
  // Loaded here, not at the top: a collector on the file backend never loads the database client.
  const {default: pg} = await import('pg');
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    // Waiting for a free connection of the pool, or for a new one to be set up.
    connectionTimeoutMillis: timeoutMs,
    // The server cancels a statement that runs (or waits for a lock) this
    // long, and the connection stays usable; the client gives up a little
    // later on a server that does not answer at all, and drops the connection.
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 500,
    // A transaction left open by a collector that froze would hold its session's lock.
    idle_in_transaction_session_timeout: 6 * timeoutMs,
  });
  // An idle connection dropped by the server must not take the process down; the next query reconnects.
  pool.on('error', (error) => log(`database connection lost: ${error.message}`));
  // A migration may take long (an index on a large table), and a collector
  // may wait for another's: their own connection, with no statement timeout.
  const migrations = new pg.Pool({connectionString: options.connectionString, max: 1, connectionTimeoutMillis: timeoutMs});
  migrations.on('error', () => {});
  try {
    await migrate(migrations, log);
  } catch (error) {
    await pool.end().catch(() => {});
    throw asStorageError(error);
  } finally {
    await migrations.end().catch(() => {});
  }

  const sessionPrefix = (sessionID: string) => `${prefix}sessions/${sessionID}/`;
  const inFlight = new Set<Promise<unknown>>();
  const batchSessions = createBatchSessionCache();

  const db = database(pool);
  const {query, transaction, runOn} = db;

  // Erased (refused for good), or removed by retention while the request
  // was under way (the tracker starts a new session).
  async function goneError(db: Queryable, sessionID: string): Promise<Error> {
    const {rowCount} = await query(db, 'SELECT 1 FROM erased_sessions WHERE session_id = $1', [sessionID]);
    return rowCount ? new SessionErased(sessionID) : new SessionGone(sessionID);
  }

  async function writeSummary(client: PoolClient, session: Session): Promise<void> {
    await query(client, summaryUpdate(1), summaryValues(session));
  }

  // Rows first (in the caller's transaction, with a note that objects are
  // due), objects after: the note outlives a crash or an outage of the
  // store, and a sweep finishes what was left. A note is deleted only as it
  // was read: one renewed meanwhile (an object that landed after the
  // session's removal, see putBatch) stays for the next sweep.
  async function removeObjects(notes: PendingRemoval[]): Promise<void> {
    for (const note of notes) {
      await blobs.deletePrefix(sessionPrefix(note.session_id));
      await query(pool, 'DELETE FROM pending_object_removals WHERE session_id = $1 AND since = $2', [note.session_id, note.since]);
    }
  }

  // Noted (or noted again: a new `since`) in the caller's transaction or on its own.
  const NOTE_REMOVALS = `INSERT INTO pending_object_removals (session_id, since) SELECT unnest($1::text[]), $2
    ON CONFLICT (session_id) DO UPDATE SET since = greatest(pending_object_removals.since + 1, EXCLUDED.since)
    RETURNING session_id, since`;

  // The packs that held batches of sessions being removed, noted for review
  // in the caller's transaction. The batch rows are deleted here, not by the
  // cascade, so that the note names the pack each row is in as it is deleted
  // (a review moving the rows meanwhile is waited for).
  const NOTE_PACKS_OF_SESSIONS = `WITH removed AS (
      DELETE FROM batches WHERE session_id = ANY ($1) AND object_offset IS NOT NULL RETURNING object_key
    )
    INSERT INTO pack_notes (object_key, state, since) SELECT DISTINCT object_key, 'review', $2::bigint FROM removed
    ON CONFLICT (object_key) DO UPDATE SET state = 'review', since = greatest(pack_notes.since + 1, EXCLUDED.since)
    RETURNING object_key, state, since`;

  let storeFailing = false;
  // Objects of sessions just removed: deleted now, unless the store is known
  // to be out of reach (a store that hangs would hold every erasure for a
  // timeout); what is left waits for the sweep. The packs that held their
  // batches are reviewed here too (these alone, not every note due): once an
  // erasure is answered, its events have left the store (if it answers).
  async function removeSoon(notes: PendingRemoval[], packs: PackNote[]): Promise<void> {
    if (!notes.length || storeFailing) return;
    try {
      await removeObjects(notes);
      for (const pack of packs) await reviewPack(pack);
    } catch (error) {
      storeFailing = true;
      log(`the objects of removed sessions are left for the removal sweep, every ${Math.round(removalSweepMs / 1000)} s: ${(error as Error).message}`);
    }
  }

  async function finishPendingRemovals(): Promise<void> {
    for (;;) {
      const {rows} = await query<PendingRemoval>(pool, `SELECT session_id, since FROM pending_object_removals ORDER BY since LIMIT ${REMOVALS_PER_STEP}`);
      await removeObjects(rows);
      if (rows.length < REMOVALS_PER_STEP || closing) break;
    }
    for (;;) {
      const {rows} = await query<PackNote>(
        pool,
        `SELECT object_key, state, since FROM pack_notes WHERE state = 'review' OR since < $1 ORDER BY since LIMIT ${REMOVALS_PER_STEP}`,
        [Date.now() - packOrphanMs],
      );
      for (const note of rows) await reviewPack(note);
      if (rows.length < REMOVALS_PER_STEP || closing) return;
    }
  }

  // A pack with bytes no row may name: deleted if no row names it, else
  // rewritten with the batches still named. Each step can be cut by a crash
  // and the note stays until the last one: the next review takes it up.
  async function reviewPack(note: PackNote): Promise<void> {
    const key = note.object_key;
    const {rows: named} = await query<PackedRow>(
      pool,
      'SELECT session_id, page_id, seq, object_offset, bytes FROM batches WHERE object_key = $1 AND object_offset IS NOT NULL ORDER BY object_offset',
      [key],
    );
    if (!named.length) {
      // Under the note's lock: a pack still being committed waits for it,
      // then finds its note gone and gives up (its batches are answered 503).
      await transaction(async (client) => {
        const {rowCount} = await query(client, 'DELETE FROM pack_notes WHERE object_key = $1 AND since = $2', [key, note.since]);
        if (!rowCount) return;
        const {rowCount: nowNamed} = await query(client, 'SELECT 1 FROM batches WHERE object_key = $1 LIMIT 1', [key]);
        if (nowNamed) throw new PackChanged();
        await blobs.deleteKeys([key]);
      }).catch((error) => {
        if (!(error instanceof PackChanged)) throw error;
      });
      return;
    }
    const old = await blobs.get(key);
    const kept = named.map((row) => old.subarray(row.object_offset, row.object_offset + row.bytes));
    if (kept.some((part, i) => part.length !== named[i].bytes)) {
      throw new StorageUnavailable(`pack ${key} has ${old.length} bytes, fewer than its batches need: the object store is not answering what it stored`);
    }
    const newKey = packKey(prefix);
    await query(pool, "INSERT INTO pack_notes (object_key, state, since) VALUES ($1, 'writing', $2)", [newKey, Date.now()]);
    await blobs.put(newKey, Buffer.concat(kept));
    const offsets = packOffsets(kept);
    const moved = await transaction(async (client) => {
      // Sessions first, as every writer locks them: nothing else changes these
      // sessions' rows until the commit, and no erasure waits on us for a batch
      // row while holding a session we wait for.
      const sessions = [...new Set(named.map((row) => row.session_id))];
      await query(client, 'SELECT 1 FROM sessions WHERE session_id = ANY ($1) ORDER BY session_id FOR UPDATE', [sessions]);
      const {rows: now} = await query<PackedRow>(
        client,
        'SELECT session_id, page_id, seq, object_offset, bytes FROM batches WHERE object_key = $1 AND object_offset IS NOT NULL ORDER BY object_offset',
        [key],
      );
      // A batch erased meanwhile: this copy still holds it. The note was renewed; the next review starts over.
      const same = now.length === named.length && now.every((row, i) => row.object_offset === named[i].object_offset);
      if (!same) return false;
      await query(
        client,
        `UPDATE batches b SET object_key = $1, object_offset = u.o
         FROM unnest($2::text[], $3::int[], $4::int[], $5::int[]) AS u(s, p, q, o)
         WHERE b.session_id = u.s AND b.page_id = u.p AND b.seq = u.q`,
        [newKey, named.map((row) => row.session_id), named.map((row) => row.page_id), named.map((row) => row.seq), offsets],
      );
      await query(client, 'DELETE FROM pack_notes WHERE object_key = $1', [newKey]);
      return true;
    });
    if (!moved) {
      await blobs.deleteKeys([newKey]);
      await query(pool, 'DELETE FROM pack_notes WHERE object_key = $1', [newKey]);
      return;
    }
    await blobs.deleteKeys([key]);
    await query(pool, 'DELETE FROM pack_notes WHERE object_key = $1 AND since = $2', [key, note.since]);
  }

  let sweeping: Promise<void> | null = null;
  // A sweep asked for while one is under way (which may have read the notes
  // before the new ones) runs after it; every ask until then shares it.
  let sweepNext: Promise<void> | null = null;
  let closing = false;
  function sweepRemovals(): Promise<void> {
    if (sweeping) {
      sweepNext ??= sweeping.then(() => {
        sweepNext = null;
        return closing ? undefined : sweepRemovals();
      });
      return sweepNext;
    }
    sweeping = finishPendingRemovals()
      .then(
        () => {
          if (storeFailing) log('the objects of removed sessions left in the store are deleted: the store answers again');
          storeFailing = false;
        },
        (error) => {
          storeFailing = true;
          log(`could not delete the objects of removed sessions (${error.message}); trying again in ${Math.round(removalSweepMs / 1000)} s`);
        },
      )
      .finally(() => (sweeping = null));
    return sweeping;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  const batches = createPostgresBatchStore({db, blobs, prefix, packOrphanMs, batchSessions, track, sweepRemovals});

  // Whatever a collector stopped halfway, or an outage of the store, left.
  void sweepRemovals();
  const sweepTimer = setInterval(() => void sweepRemovals(), removalSweepMs);
  sweepTimer.unref();

  async function readSession(sessionID: string): Promise<Session | undefined> {
    const {rows} = await query(pool, `${SELECT_SESSION} WHERE s.session_id = $1`, [sessionID]);
    return rows.length ? toSession(rows[0]) : undefined;
  }

  return {
    keepsGzip: true,
    ...createPostgresAccessStore((text, values) => query(pool, text, values)),

    async createSession(input: NewSession): Promise<Session> {
      const session = newSessionRecord(input);
      await query(
        pool,
        `INSERT INTO sessions (session_id, project_key, user_id, user_uuid, metadata, started_at, last_activity_at, assist_only)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
        [session.sessionID, session.projectKey, session.userID, session.userUUID, session.metadata, session.startedAt, session.assistOnly],
      );
      return session;
    },

    getSession: readSession,

    async sessionForBatch(sessionID: string, pageID: number): Promise<BatchSession | undefined> {
      const cached = batchSessions.get(sessionID, pageID);
      if (cached) return cached;
      const session = await readSession(sessionID);
      if (!session) return undefined;
      batchSessions.remember(session);
      return session;
    },

    // Several statements (listSessions.ts, countSessions.ts say which and
    // why), in one read-only transaction: one snapshot, and the planner
    // settings they change for themselves end with it.
    async listSessions(q: SessionQuery): Promise<Session[]> {
      const rows = await transaction((client) => listSessions(runOn(client), q), READ_ONLY);
      return rows.map(toSession);
    },

    countSessions(filter: SessionFilter) {
      return transaction((client) => countSessions(runOn(client), filter), READ_ONLY);
    },

    async addPage(sessionID: string, input: NewPage): Promise<Page> {
      // One statement: the number is taken and the page inserted under the session row's lock.
      const {rows} = await query<{page_id: number}>(
        pool,
        `WITH numbered AS (UPDATE sessions SET page_count = page_count + 1 WHERE session_id = $1 RETURNING page_count)
         INSERT INTO pages (session_id, page_id, url, referrer, started_at, viewport, tracker_version)
         SELECT $1, page_count, $2, $3, $4, $5, $6 FROM numbered RETURNING page_id`,
        [sessionID, input.url, input.referrer, input.startedAt, input.viewport ?? null, input.trackerVersion ?? null],
      );
      if (!rows.length) throw await goneError(pool, sessionID);
      return {pageID: rows[0].page_id, ...input, eventCount: 0};
    },

    async updateSession(sessionID: string, change: SessionChange): Promise<void> {
      await track(
        transaction(async (client) => {
          const {rows} = await query(client, 'SELECT s.*, \'[]\'::json AS pages FROM sessions s WHERE session_id = $1 FOR UPDATE', [sessionID]);
          if (!rows.length) {
            // Erased or removed, perhaps by another collector: not brought back, and no longer cached here.
            batchSessions.forget([sessionID]);
            throw await goneError(client, sessionID);
          }
          const session = toSession(rows[0]);
          applySessionChange(session, change);
          await writeSummary(client, session);
        }),
      );
    },

    putBatch: batches.putBatch,
    readPageBatches: batches.readPageBatches,

    async erase(erasure: Erasure): Promise<string[]> {
      const now = Date.now();
      const {ids, notes, packs} = await transaction(async (client) => {
        const {rows} = await query<{session_id: string}>(
          client,
          `SELECT session_id FROM sessions WHERE ${'sessionID' in erasure ? 'session_id' : 'user_id'} = $1
             AND ($2::text[] IS NULL OR project_key = ANY ($2)) ORDER BY session_id FOR UPDATE`,
          ['sessionID' in erasure ? erasure.sessionID : erasure.userID, erasure.projects ?? null],
        );
        const found = rows.map((row) => row.session_id);
        batchSessions.forget(found);
        if (!found.length) return {ids: found, notes: [], packs: []};
        await query(client, 'INSERT INTO erased_sessions (session_id, erased_at) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [found, now]);
        const noted = await query<PendingRemoval>(client, NOTE_REMOVALS, [found, now]);
        const packs = await query<PackNote>(client, NOTE_PACKS_OF_SESSIONS, [found, now]);
        await query(client, 'DELETE FROM sessions WHERE session_id = ANY ($1)', [found]);
        return {ids: found, notes: noted.rows, packs: packs.rows};
      });
      // Committed: erased, whether or not the store answers now.
      await removeSoon(notes, packs);
      return ids;
    },

    async isErased(sessionID: string): Promise<boolean> {
      const {rowCount} = await query(pool, 'SELECT 1 FROM erased_sessions WHERE session_id = $1', [sessionID]);
      return !!rowCount;
    },

    async removeInactiveSince(time: number, limit: number): Promise<number> {
      // SKIP LOCKED: sessions another collector is removing (or writing to) are left to it.
      const {notes, packs} = await transaction(async (client) => {
        const {rows} = await query<{session_id: string}>(
          client,
          'SELECT session_id FROM sessions WHERE last_activity_at < $1 ORDER BY last_activity_at LIMIT $2 FOR UPDATE SKIP LOCKED',
          [time, limit],
        );
        const found = rows.map((row) => row.session_id);
        batchSessions.forget(found);
        if (!found.length) return {notes: [], packs: []};
        const noted = await query<PendingRemoval>(client, NOTE_REMOVALS, [found, Date.now()]);
        const packs = await query<PackNote>(client, NOTE_PACKS_OF_SESSIONS, [found, Date.now()]);
        await query(client, 'DELETE FROM sessions WHERE session_id = ANY ($1)', [found]);
        return {notes: noted.rows, packs: packs.rows};
      });
      await removeSoon(notes, packs);
      return notes.length;
    },

    async close(): Promise<void> {
      closing = true;
      clearInterval(sweepTimer);
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await (sweepNext ?? sweeping);
      await pool.end();
      blobs.close();
    },
  };


}

/** A pack changed while it was reviewed: the review stops, and the next one starts over. */
class PackChanged extends Error {}
