// Storage for more than one collector: PostgreSQL keeps the index (sessions,
// pages, the batch manifest), an S3-compatible object store keeps the batch
// bodies. Batches stored at the same time share one object, a pack:
//
//   <prefix>packs/<yyyy-mm-dd>/<random>   batch bodies end to end, each as the
//                                         tracker sent it (gzip, or JSON)
//   <prefix>sessions/<sessionID>/…        a batch per object, as collectors
//                                         before packs wrote them (still read)
//
// Why packs: an object store's cost is per request, in CPU on both sides
// (the SDK's signing and HTTP, the store's own work) and in money (S3 bills
// every PUT). A collector under load uploads one object and commits one
// transaction for the several batches that arrived meanwhile, instead of one
// of each per batch (bench/NOTES.md, figure 7). A lone batch is not held
// back: it is written at once, a pack of one.
//
// A pack is stored in three steps: a note that it is being written, the
// object, then one transaction that takes the note back and adds the manifest
// rows (session, page, seq → pack, offset, bytes), the pages' event counts
// and the sessions' summaries. The primary key (session, page, seq) decides
// between two instances storing the same batch. The 2xx follows the commit:
// the batch is durable in both. A crash between the steps leaves the note,
// and the review below deletes the pack once the note is old enough.
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
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {gunzip as gunzipCallback} from 'node:zlib';
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
// Packs written at once by one collector, and how much one holds. A lone
// batch goes at once; batches that arrive while a pack is being written wait
// and go together in the next one. Another pack is started beside the one
// under way only when a full pack waits: a slow store must not hold
// everything back, and smaller packs cost more per batch (figure 7: one pack
// at a time stored 1,286 batches/s, 25 a pack; a second one started from 8
// waiting, 1,030/s, 11 a pack).
const PACKS_IN_FLIGHT = 3;
const MAX_BATCHES_PER_PACK = 64;
const MAX_PACK_BYTES = 8 * 1024 * 1024;

/** A batch waiting for its pack, and its caller. */
interface Packing {
  batch: BatchToStore;
  /** What is stored: the gzip as the tracker sent it (8 times fewer bytes), or the JSON. */
  body: Buffer;
  resolve(outcome: 'stored' | 'duplicate'): void;
  reject(error: unknown): void;
}

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

const gunzip = promisify(gunzipCallback);

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
  // Batches waiting for a pack, and the packs being written.
  const waiting: Packing[] = [];
  let packsInFlight = 0;

  const {query, transaction, runOn, commitMayHaveHappened} = database(pool);

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
    const newKey = packKey();
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

  // Whatever a collector stopped halfway, or an outage of the store, left.
  void sweepRemovals();
  const sweepTimer = setInterval(() => void sweepRemovals(), removalSweepMs);
  sweepTimer.unref();

  // An object is checked against the size the manifest recorded when it was
  // stored: a store that answers a read before a write has landed (s3rver
  // acknowledges a PUT before its file is flushed) or cuts a body short is
  // read again, and never served as a broken batch.
  async function readWhole({object_key: key, object_offset: offset, bytes}: {object_key: string; object_offset: number | null; bytes: number}): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const body = offset === null ? await blobs.get(key) : await blobs.getRange(key, offset, bytes);
      // A batch kept as the tracker sent it, gzipped (a JSON array never starts with these bytes).
      if (body.length === bytes) return body[0] === 0x1f && body[1] === 0x8b ? gunzip(body) : body;
      if (attempt === 4) throw new StorageUnavailable(`object ${key} has ${body.length} bytes, the manifest says ${bytes}: the object store is not answering what it stored`);
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }

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

    putBatch(batch: BatchToStore): Promise<'stored' | 'duplicate'> {
      return track(putBatch(batch));
    },

    async readPageBatches(sessionID: string, pageID: number): Promise<AsyncIterable<Buffer>> {
      const {rows} = await query<{object_key: string; object_offset: number | null; bytes: number}>(
        pool,
        'SELECT object_key, object_offset, bytes FROM batches WHERE session_id = $1 AND page_id = $2 ORDER BY seq',
        [sessionID, pageID],
      );
      return (async function* () {
        // One object read ahead: the next body travels while this one is written out.
        let next = rows.length ? readWhole(rows[0]) : null;
        for (let i = 0; i < rows.length; i++) {
          const body = await next!;
          next = i + 1 < rows.length ? readWhole(rows[i + 1]) : null;
          next?.catch(() => {});
          yield body;
        }
      })();
    },

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

  function putBatch(batch: BatchToStore): Promise<'stored' | 'duplicate'> {
    return new Promise((resolve, reject) => {
      waiting.push({batch, body: batch.gzip ?? batch.body, resolve, reject});
      startPacks();
    });
  }

  // What waits goes in a pack (up to its bounds) if none is under way, or
  // beside those under way if it fills one.
  function startPacks(): void {
    while (waiting.length && packsInFlight < PACKS_IN_FLIGHT) {
      let count = 0;
      let bytes = 0;
      while (count < waiting.length && count < MAX_BATCHES_PER_PACK && (count === 0 || bytes + waiting[count].body.length <= MAX_PACK_BYTES)) {
        bytes += waiting[count++].body.length;
      }
      const full = count === MAX_BATCHES_PER_PACK || count < waiting.length;
      if (packsInFlight > 0 && !full) return;
      packsInFlight++;
      void track(storePack(waiting.splice(0, count))).then(() => {
        packsInFlight--;
        startPacks();
      });
    }
  }

  // Settles every batch of the pack; never rejects.
  async function storePack(pack: Packing[]): Promise<void> {
    const key = packKey();
    const bodies = pack.map((entry) => entry.body);
    const fail = (error: unknown) => pack.forEach((entry) => entry.reject(error));
    try {
      await query(pool, "INSERT INTO pack_notes (object_key, state, since) VALUES ($1, 'writing', $2)", [key, Date.now()]);
    } catch (error) {
      return fail(error);
    }
    try {
      await blobs.put(key, Buffer.concat(bodies));
    } catch (error) {
      // The upload may land all the same: the note stays, and a review deletes the pack once the note is old enough.
      return fail(error);
    }
    let outcomes: Outcome[];
    try {
      outcomes = await transaction((client) => commitPack(client, key, pack, packOffsets(bodies)));
    } catch (error) {
      fail(error);
      // Committed or not, nobody knows: the rows decide (the note was taken back only if it was).
      if (commitMayHaveHappened.has(error as Error)) return;
      // Not stored: the pack must not outlive the attempt; if it cannot go now, its note stays for a review.
      await blobs
        .deleteKeys([key])
        .then(() => query(pool, "DELETE FROM pack_notes WHERE object_key = $1 AND state = 'writing'", [key]))
        .catch(() => {});
      return;
    }
    pack.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) entry.reject(outcome);
      else entry.resolve(outcome);
    });
    // Bytes no row names (a duplicate, a session removed meanwhile): the pack was noted for review.
    if (outcomes.some((outcome) => outcome !== 'stored')) void sweepRemovals();
  }

  // The pack's one transaction, in four statements whatever its size: the
  // sessions locked (in the order of their IDs, as every multi-session
  // transaction does), then one statement that takes the note back and adds
  // the rows of the batches that are new, the pages' counts and the
  // sessions' summaries, computed here as if every batch were new. A session
  // with a duplicate among its batches (rare: a retry) has its summary
  // computed again from what was stored, in a statement of its own.
  async function commitPack(client: PoolClient, key: string, pack: Packing[], offsets: number[]): Promise<Outcome[]> {
    const sessionIDs = [...new Set(pack.map((entry) => entry.batch.sessionID))].sort();
    const {rows} = await query(client, "SELECT s.*, '[]'::json AS pages FROM sessions s WHERE session_id = ANY ($1) ORDER BY session_id FOR UPDATE", [sessionIDs]);
    const sessions = new Map(rows.map((row) => [row.session_id as string, row]));
    const missing = sessionIDs.filter((id) => !sessions.has(id));
    batchSessions.forget(missing);
    const erased = new Set<string>();
    if (missing.length) {
      const {rows: tombstones} = await query<{session_id: string}>(client, 'SELECT session_id FROM erased_sessions WHERE session_id = ANY ($1)', [missing]);
      for (const row of tombstones) erased.add(row.session_id);
    }
    const outcomes: Outcome[] = pack.map(({batch: {sessionID}}) =>
      sessions.has(sessionID) ? 'duplicate' : erased.has(sessionID) ? new SessionErased(sessionID) : new SessionGone(sessionID),
    );
    // A batch twice in one pack (a retry racing its first attempt): the first one is the one inserted.
    const named = new Set<string>();
    const candidates = pack.flatMap(({batch}, i) => {
      const name = batchName(batch.sessionID, batch.pageID, batch.seq);
      if (outcomes[i] !== 'duplicate' || named.has(name)) return [];
      named.add(name);
      return [i];
    });
    const summaries = (stored: number[]) => {
      const changed = new Map<string, Session>();
      for (const i of stored) {
        const {sessionID, change} = pack[i].batch;
        if (!change) continue;
        const session = changed.get(sessionID) ?? changed.set(sessionID, toSession(sessions.get(sessionID)!)).get(sessionID)!;
        applySessionChange(session, change);
      }
      return [...changed.values()];
    };
    const hoped = summaries(candidates);
    const column = <T>(pick: (entry: Packing, i: number) => T) => candidates.map((i) => pick(pack[i], i));
    const perSession = new Map<string, number>();
    for (const i of candidates) perSession.set(pack[i].batch.sessionID, (perSession.get(pack[i].batch.sessionID) ?? 0) + 1);
    const {rows: [result]} = await query<{taken: number; stored: Array<[string, number, number]> | null}>(
      client,
      `WITH taken AS (
         DELETE FROM pack_notes WHERE object_key = $6 AND state = 'writing' RETURNING 1
       ), inserted AS (
         INSERT INTO batches (session_id, page_id, seq, event_count, bytes, object_key, object_offset, stored_at)
         SELECT u.s, u.p, u.q, u.n, u.b, $6, u.o, $7 FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::int[], $8::int[]) AS u(s, p, q, n, b, o)
         ON CONFLICT DO NOTHING RETURNING session_id, page_id, seq, event_count
       ), counted AS (
         UPDATE pages SET event_count = pages.event_count + c.n
         FROM (SELECT session_id, page_id, sum(event_count) AS n FROM inserted GROUP BY session_id, page_id) AS c
         WHERE pages.session_id = c.session_id AND pages.page_id = c.page_id
       ), summarized AS (
         UPDATE sessions SET ${SUMMARY_FROM_RECORDS}
         FROM jsonb_populate_recordset(null::sessions, $9::jsonb) AS v
         JOIN unnest($10::text[], $11::int[]) AS e(s, n) ON e.s = v.session_id
         JOIN (SELECT session_id, count(*) AS n FROM inserted GROUP BY session_id) AS i ON i.session_id = v.session_id AND i.n = e.n
         WHERE sessions.session_id = v.session_id
       )
       SELECT (SELECT count(*) FROM taken)::int AS taken, (SELECT json_agg(json_build_array(session_id, page_id, seq)) FROM inserted) AS stored`,
      [
        column((entry) => entry.batch.sessionID),
        column((entry) => entry.batch.pageID),
        column((entry) => entry.batch.seq),
        column((entry) => entry.batch.eventCount),
        column((entry) => entry.body.length),
        key,
        Date.now(),
        column((_, i) => offsets[i]),
        JSON.stringify(hoped.map(summaryRecord)),
        [...perSession.keys()],
        [...perSession.values()],
      ],
    );
    // A review took this pack for a crash's leftover and deleted it: nothing of this transaction stays.
    if (!result.taken) throw new StorageUnavailable(`pack ${key} took longer to store than the ${Math.round(packOrphanMs / 1000)} s after which it counts as a crash's leftover`, 1);
    const stored = new Set((result.stored ?? []).map(([sessionID, pageID, seq]) => batchName(sessionID, pageID, seq)));
    for (const i of candidates) if (stored.has(batchName(pack[i].batch.sessionID, pack[i].batch.pageID, pack[i].batch.seq))) outcomes[i] = 'stored';
    const short = new Set(candidates.filter((i) => outcomes[i] !== 'stored').map((i) => pack[i].batch.sessionID));
    if (short.size) {
      const again = summaries(candidates.filter((i) => outcomes[i] === 'stored' && short.has(pack[i].batch.sessionID)));
      if (again.length) {
        await query(
          client,
          `UPDATE sessions SET ${SUMMARY_FROM_RECORDS}
           FROM jsonb_populate_recordset(null::sessions, $1::jsonb) AS v WHERE sessions.session_id = v.session_id`,
          [JSON.stringify(again.map(summaryRecord))],
        );
      }
    }
    if (outcomes.some((outcome) => outcome !== 'stored')) {
      await query(client, "INSERT INTO pack_notes (object_key, state, since) VALUES ($1, 'review', $2)", [key, Date.now()]);
    }
    return outcomes;
  }

  function packKey(): string {
    return `${prefix}packs/${new Date().toISOString().slice(0, 10)}/${randomBytes(12).toString('hex')}`;
  }
}

type Outcome = 'stored' | 'duplicate' | SessionErased | SessionGone;

const batchName = (sessionID: string, pageID: number, seq: number) => `${sessionID}\n${pageID}\n${seq}`;

/** Where each of these bodies starts, laid end to end. */
function packOffsets(bodies: Buffer[]): number[] {
  let at = 0;
  return bodies.map((body) => {
    const offset = at;
    at += body.length;
    return offset;
  });
}

/** A pack changed while it was reviewed: the review stops, and the next one starts over. */
class PackChanged extends Error {}
