// Storage for more than one collector: PostgreSQL keeps the index (sessions,
// pages, the batch manifest), an S3-compatible object store keeps the batch
// bodies, those stored at the same time in one object, a pack
// (createPostgresBatchStore.ts says how a pack is stored, and why).
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
import type {PoolClient} from 'pg';
import type {Page, Session} from '../types';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import type {BlobStore} from '../s3/blobStore';
import {SessionErased, SessionGone, type BatchSession, type NewPage, type NewSession, type SessionChange, type SessionFilter, type SessionQuery, type Storage} from '../storage';
import {asStorageError} from './asStorageError';
import {countSessions} from './countSessions';
import {createBatchSessionCache} from './createBatchSessionCache';
import {createPostgresAccessStore} from './createPostgresAccessStore';
import {createPostgresBatchStore} from './createPostgresBatchStore';
import {createPostgresMaintenance} from './createPostgresMaintenance';
import {database, type Queryable} from './database';
import {listSessions, pagesJson} from './listSessions';
import {migrate} from './migrate';
import {summaryUpdate, summaryValues, toSession} from './sessionRow';

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

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  const maintenance = createPostgresMaintenance({db, blobs, prefix, packOrphanMs, removalSweepMs, log, batchSessions});
  const batches = createPostgresBatchStore({db, blobs, prefix, packOrphanMs, batchSessions, track, sweepRemovals: maintenance.sweepRemovals});
  maintenance.startSweeping();

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
    erase: maintenance.erase,
    isErased: maintenance.isErased,
    removeInactiveSince: maintenance.removeInactiveSince,

    async close(): Promise<void> {
      maintenance.stopSweeping();
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await maintenance.sweepsDone();
      await pool.end();
      blobs.close();
    },
  };
}

