// Storage for more than one collector: PostgreSQL keeps the index (sessions,
// pages, the batch manifest), an S3-compatible object store keeps the batch
// bodies, one object per batch:
//
//   <prefix>sessions/<sessionID>/<pageID>/<seq, 6 digits>-<random>.json   the JSON array of events
//
// Nothing another instance can change is cached here: every call asks the
// database, so a session, page or batch written by one collector is seen by
// all at once.
//
// A batch is stored in two steps: its object is written first, then its
// manifest row, in one transaction with the page's event count and the
// session's summary. The primary key (session, page, seq) decides between
// two instances storing the same batch; the loser deletes its own object
// (its random suffix keeps it from overwriting the winner's). The 2xx
// follows the commit: the batch is durable in both. A crash between the two
// steps leaves an object no row names: never read, and deleted with its
// session.
//
// Every transaction that touches a session locks its row first (then pages,
// then batches): the order that keeps erasure and ingest from deadlocking,
// and what makes a summary update read-modify-write without lost updates.
//
// Nothing waits on the database without a bound: taking a connection, and
// every statement, give up after `timeoutMs` (a database that hangs, rather
// than refuses, is answered 503 within seconds instead of piling requests
// up until the collector's connection cap). The schema migrations at
// start-up are the exception: they may rightly take long.
//
// An erasure or a retention step has taken effect once its transaction
// commits: the rows are gone, and a note in pending_object_removals says
// the session's objects are due. They are deleted at once if the store
// answers; if it does not, the erasure is answered all the same, and the
// removal sweep (every `removalSweepMs`, and at start-up) deletes them once
// the store is back. Several collectors sweeping the same note is harmless.
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {gunzip as gunzipCallback} from 'node:zlib';
import type {Pool, PoolClient, QueryResult, QueryResultRow} from 'pg';
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {Page, Session} from '../../types';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import type {BlobStore} from '../s3/blobStore';
import {SessionErased, SessionGone, type BatchToStore, type Erasure, type NewPage, type NewSession, type SessionChange, type SessionQuery, type Storage} from '../storage';
import {migrate} from './migrate';

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
  log?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_REMOVAL_SWEEP_MS = 60_000;
// Notes of pending removals read at once by a sweep.
const REMOVALS_PER_STEP = 100;

/** A session whose objects are due for deletion, as noted: `since` tells this note from a later one. */
interface PendingRemoval {
  session_id: string;
  since: string;
}

type Queryable = Pool | PoolClient;

// A page as JSON, built by the database: one query answers a session with its pages.
const PAGES_JSON = `coalesce((
  SELECT json_agg(json_strip_nulls(json_build_object(
    'pageID', p.page_id, 'url', p.url, 'referrer', p.referrer, 'startedAt', p.started_at,
    'eventCount', p.event_count, 'viewport', p.viewport, 'trackerVersion', p.tracker_version
  )) ORDER BY p.page_id)
  FROM pages p WHERE p.session_id = s.session_id), '[]') AS pages`;

const SELECT_SESSION = `SELECT s.*, ${PAGES_JSON} FROM sessions s`;

const gunzip = promisify(gunzipCallback);

// A session's summary, written back after applySessionChange, with its
// parameters (summaryValues) numbered from $first: the session, then its fields.
const SUMMARY_FIELDS = [
  'user_id', 'metadata', 'vitals', 'custom_event_count', 'error_count', 'console_error_count', 'failed_request_count', 'urls', 'event_names',
  'first_event_at', 'last_event_at', 'last_activity_at', 'rage_click_count', 'dead_click_count', 'error_click_count', 'trigger',
];
const summaryUpdate = (first: number) =>
  `UPDATE sessions SET ${SUMMARY_FIELDS.map((field, i) => `${field} = $${first + 1 + i}`).join(', ')} WHERE session_id = $${first}`;

const summaryValues = (session: Session) => [
  session.sessionID, session.userID, session.metadata, session.vitals, session.customEventCount, session.errorCount, session.consoleErrorCount,
  session.failedRequestCount, session.urls, session.eventNames, session.firstEventAt, session.lastEventAt, session.lastActivityAt,
  session.rageClickCount, session.deadClickCount, session.errorClickCount, session.trigger,
];

export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const log = options.log ?? (() => {});
  const blobs = options.blobs;
  const prefix = options.prefix ?? '';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const removalSweepMs = options.removalSweepMs ?? DEFAULT_REMOVAL_SWEEP_MS;
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

  async function query<R extends QueryResultRow>(db: Queryable, text: string, values: unknown[] = []): Promise<QueryResult<R>> {
    try {
      return await db.query<R>(text, values);
    } catch (error) {
      throw asStorageError(error);
    }
  }

  // Errors of a COMMIT whose outcome is unknown: the connection was lost
  // or timed out after the COMMIT was sent, so it may have taken effect.
  const commitMayHaveHappened = new WeakSet<Error>();

  async function transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asStorageError(error);
    }
    let broken = false;
    let committing = false;
    try {
      await query(client, 'BEGIN');
      const result = await work(client);
      committing = true;
      await query(client, 'COMMIT');
      return result;
    } catch (error) {
      if (connectionLost(error)) {
        // Dropped, not rolled back: the server rolls back the transaction of
        // a connection that is gone, and a ROLLBACK would wait out another timeout.
        broken = true;
        if (committing) commitMayHaveHappened.add(error as Error);
      } else {
        await client.query('ROLLBACK').catch(() => (broken = true));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Locks the session's row for the transaction; SessionErased or SessionGone when it is gone. */
  async function lockSession(client: PoolClient, sessionID: string): Promise<Session> {
    const {rows} = await query(client, 'SELECT s.*, \'[]\'::json AS pages FROM sessions s WHERE session_id = $1 FOR UPDATE', [sessionID]);
    if (!rows.length) throw await goneError(client, sessionID);
    return toSession(rows[0]);
  }

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

  let storeFailing = false;
  // Objects of sessions just removed: deleted now, unless the store is known
  // to be out of reach (a store that hangs would hold every erasure for a
  // timeout); what is left waits for the sweep.
  async function removeSoon(notes: PendingRemoval[]): Promise<void> {
    if (!notes.length || storeFailing) return;
    try {
      await removeObjects(notes);
    } catch (error) {
      storeFailing = true;
      log(`the objects of removed sessions are left for the removal sweep, every ${Math.round(removalSweepMs / 1000)} s: ${(error as Error).message}`);
    }
  }

  async function finishPendingRemovals(): Promise<void> {
    for (;;) {
      const {rows} = await query<PendingRemoval>(pool, `SELECT session_id, since FROM pending_object_removals ORDER BY since LIMIT ${REMOVALS_PER_STEP}`);
      await removeObjects(rows);
      if (rows.length < REMOVALS_PER_STEP || closing) return;
    }
  }

  let sweeping: Promise<void> | null = null;
  let closing = false;
  function sweepRemovals(): Promise<void> {
    sweeping ??= finishPendingRemovals()
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
  async function readWhole({object_key: key, bytes}: {object_key: string; bytes: number}): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const body = await blobs.get(key);
      // A batch kept as the tracker sent it, gzipped (a JSON array never starts with these bytes).
      if (body.length === bytes) return body[0] === 0x1f && body[1] === 0x8b ? gunzip(body) : body;
      if (attempt === 4) throw new StorageUnavailable(`object ${key} has ${body.length} bytes, the manifest says ${bytes}: the object store is not answering what it stored`);
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }

  return {
    keepsGzip: true,

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

    async getSession(sessionID: string): Promise<Session | undefined> {
      const {rows} = await query(pool, `${SELECT_SESSION} WHERE s.session_id = $1`, [sessionID]);
      return rows.length ? toSession(rows[0]) : undefined;
    },

    async listSessions(q: SessionQuery): Promise<Session[]> {
      const where: string[] = [];
      const values: unknown[] = [];
      const value = (v: unknown) => `$${values.push(v)}`;
      if (q.before !== undefined) where.push(`s.started_at < ${value(q.before)}`);
      if (q.userID !== undefined) where.push(`s.user_id = ${value(q.userID)}`);
      // Containment of {"key": "value"} is an exact match on a string value.
      for (const [key, v] of q.meta ?? []) where.push(`s.metadata @> ${value(JSON.stringify({[key]: v}))}::jsonb`);
      if (q.hasErrors) where.push('(s.error_count > 0 OR s.console_error_count > 0 OR s.failed_request_count > 0)');
      if (q.url !== undefined) where.push(`EXISTS (SELECT 1 FROM unnest(s.urls) AS u WHERE strpos(lower(u), lower(${value(q.url)})) > 0)`);
      if (q.event !== undefined) where.push(`${value(q.event)} = ANY (s.event_names)`);
      if (q.frustrated) where.push('(s.rage_click_count > 0 OR s.dead_click_count > 0 OR s.error_click_count > 0)');
      const {rows} = await query(
        pool,
        `${SELECT_SESSION} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY s.started_at DESC, s.session_id DESC LIMIT ${value(q.limit)}`,
        values,
      );
      return rows.map(toSession);
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
          // Erased meanwhile: nothing to update.
          if (!rows.length) return;
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
      const {rows} = await query<{object_key: string; bytes: number}>(
        pool,
        'SELECT object_key, bytes FROM batches WHERE session_id = $1 AND page_id = $2 ORDER BY seq',
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
      const {ids, notes} = await transaction(async (client) => {
        const {rows} = await query<{session_id: string}>(
          client,
          'sessionID' in erasure
            ? 'SELECT session_id FROM sessions WHERE session_id = $1 ORDER BY session_id FOR UPDATE'
            : 'SELECT session_id FROM sessions WHERE user_id = $1 ORDER BY session_id FOR UPDATE',
          ['sessionID' in erasure ? erasure.sessionID : erasure.userID],
        );
        const found = rows.map((row) => row.session_id);
        if (!found.length) return {ids: found, notes: []};
        await query(client, 'INSERT INTO erased_sessions (session_id, erased_at) SELECT unnest($1::text[]), $2 ON CONFLICT DO NOTHING', [found, now]);
        const noted = await query<PendingRemoval>(client, NOTE_REMOVALS, [found, now]);
        await query(client, 'DELETE FROM sessions WHERE session_id = ANY ($1)', [found]);
        return {ids: found, notes: noted.rows};
      });
      // Committed: erased, whether or not the store answers now.
      await removeSoon(notes);
      return ids;
    },

    async isErased(sessionID: string): Promise<boolean> {
      const {rowCount} = await query(pool, 'SELECT 1 FROM erased_sessions WHERE session_id = $1', [sessionID]);
      return !!rowCount;
    },

    async removeInactiveSince(time: number, limit: number): Promise<number> {
      // SKIP LOCKED: sessions another collector is removing (or writing to) are left to it.
      const notes = await transaction(async (client) => {
        const {rows} = await query<{session_id: string}>(
          client,
          'SELECT session_id FROM sessions WHERE last_activity_at < $1 ORDER BY last_activity_at LIMIT $2 FOR UPDATE SKIP LOCKED',
          [time, limit],
        );
        const found = rows.map((row) => row.session_id);
        if (!found.length) return [];
        const noted = await query<PendingRemoval>(client, NOTE_REMOVALS, [found, Date.now()]);
        await query(client, 'DELETE FROM sessions WHERE session_id = ANY ($1)', [found]);
        return noted.rows;
      });
      await removeSoon(notes);
      return notes.length;
    },

    async close(): Promise<void> {
      closing = true;
      clearInterval(sweepTimer);
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await sweeping;
      await pool.end();
      blobs.close();
    },
  };

  async function putBatch({sessionID, pageID, seq, body: json, gzip, eventCount, change}: BatchToStore): Promise<'stored' | 'duplicate'> {
    // The batch as the tracker sent it: gzip is 8 times fewer bytes to upload and keep.
    const body = gzip ?? json;
    // No look for a duplicate first: a retry of a stored batch is rare, and
    // the look would cost every batch a round trip. The manifest's primary
    // key decides below, and a duplicate's object is deleted.
    const key = `${sessionPrefix(sessionID)}${pageID}/${String(seq).padStart(6, '0')}-${randomBytes(6).toString('hex')}.json${gzip ? '.gz' : ''}`;
    await blobs.put(key, body);
    let outcome: 'stored' | 'duplicate';
    try {
      outcome = await transaction(async (client) => {
        const session = await lockSession(client, sessionID);
        if (change) applySessionChange(session, change);
        // One statement, one round trip: the manifest row, and only if it is
        // new, the page's count and the session's summary (read above under its lock).
        const {rows} = await query<{stored: boolean}>(
          client,
          `WITH inserted AS (
             INSERT INTO batches (session_id, page_id, seq, event_count, bytes, object_key, stored_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING 1
           ), counted AS (
             UPDATE pages SET event_count = event_count + $4
             WHERE session_id = $1 AND page_id = $2 AND EXISTS (SELECT 1 FROM inserted)
           ), summarized AS (
             ${summaryUpdate(8)} AND EXISTS (SELECT 1 FROM inserted) AND $25
           )
           SELECT EXISTS (SELECT 1 FROM inserted) AS stored`,
          [sessionID, pageID, seq, eventCount, body.length, key, Date.now(), ...summaryValues(session), change !== undefined],
        );
        return rows[0].stored ? 'stored' : 'duplicate';
      });
    } catch (error) {
      // The manifest row may name the object after all: keep it (at worst an
      // object no row names, deleted with its session).
      if (commitMayHaveHappened.has(error as Error)) throw error;
      // Not stored: the object must not outlive the attempt.
      const deleted = await blobs.deleteKeys([key]).then(() => true, () => false);
      // The session was removed, its objects with it, before this one landed:
      // if it cannot be deleted now, the sweep must know, or it would stay for good.
      if (!deleted && (error instanceof SessionErased || error instanceof SessionGone)) {
        await query(pool, NOTE_REMOVALS, [[sessionID], Date.now()]).then(
          () => void sweepRemovals(),
          (noteError) => log(`object ${key} of removed session ${sessionID} could be neither deleted nor noted for the removal sweep (${noteError.message}): delete it by hand`),
        );
      }
      if ((error as {code?: string}).code === '23503') throw new Error(`session ${sessionID} has no page ${pageID}`);
      throw error;
    }
    if (outcome === 'duplicate') await blobs.deleteKeys([key]).catch(() => {});
    return outcome;
  }
}

function toSession(row: Record<string, any>): Session {
  const n = (value: unknown) => (value === null ? null : Number(value));
  return {
    sessionID: row.session_id,
    projectKey: row.project_key,
    userID: row.user_id,
    userUUID: row.user_uuid,
    metadata: row.metadata,
    startedAt: Number(row.started_at),
    lastActivityAt: Number(row.last_activity_at),
    firstEventAt: n(row.first_event_at),
    lastEventAt: n(row.last_event_at),
    customEventCount: Number(row.custom_event_count),
    vitals: row.vitals,
    assistOnly: row.assist_only,
    errorCount: Number(row.error_count),
    consoleErrorCount: Number(row.console_error_count),
    failedRequestCount: Number(row.failed_request_count),
    urls: row.urls,
    eventNames: row.event_names,
    rageClickCount: Number(row.rage_click_count),
    deadClickCount: Number(row.dead_click_count),
    errorClickCount: Number(row.error_click_count),
    trigger: row.trigger,
    pages: row.pages,
  };
}

// Connection refused, reset or timed out, the server shutting down or out of
// connections, a statement cancelled at its timeout or stuck on a lock: the
// database is out of reach for now (503, retried), not wrong. Other errors
// (a bug, a constraint) stay errors.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_CODES = new Set([...NETWORK_CODES, '57P01', '57P02', '57P03', '53300', '53100', '40P01', '40001', '57014', '55P03', '25P03']);
// pg's own words for a connection it gave up on: no answer within query_timeout, or none at all.
const LOST = /Connection terminated|timeout exceeded when trying to connect|Query read timeout/i;

function asStorageError(error: unknown): Error {
  if (error instanceof StorageUnavailable || error instanceof SessionErased || error instanceof SessionGone) return error;
  const code = (error as {code?: string})?.code ?? '';
  const message = (error as Error)?.message ?? String(error);
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || LOST.test(message)) {
    return new StorageUnavailable(`database: ${message}`, 5, {cause: error});
  }
  return error as Error;
}

/** Whether the connection that threw this can still be trusted with the next statement. */
function connectionLost(error: unknown): boolean {
  const original = error instanceof StorageUnavailable ? error.cause : error;
  const code = (original as {code?: string})?.code ?? '';
  return NETWORK_CODES.has(code) || code.startsWith('08') || LOST.test((original as Error)?.message ?? '');
}
