// Storage for more than one collector: PostgreSQL keeps the index (sessions,
// pages, the batch manifest), an S3-compatible object store keeps the batch
// bodies, those stored at the same time in one object, a pack. This file
// opens the database (the pool, the migrations at start-up), assembles the
// backend from its parts, handing each what they share, and closes it:
//
//   createPostgresSessionIndex.ts  sessions and pages: created, read, changed, listed, counted
//   createPostgresBatchStore.ts    batches stored in packs, and read back
//   createPostgresMaintenance.ts   erasure, retention, pack reviews, the removal sweep
//   createPostgresAccessStore.ts   logins and the audit log
//   database.ts                    statements and transactions, with bounds and storage errors
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
import type {BlobStore} from '../s3/blobStore';
import type {Storage} from '../storage';
import {asStorageError} from './asStorageError';
import {createBatchSessionCache} from './createBatchSessionCache';
import {createPostgresAccessStore} from './createPostgresAccessStore';
import {createPostgresBatchStore} from './createPostgresBatchStore';
import {createPostgresMaintenance} from './createPostgresMaintenance';
import {createPostgresSessionIndex} from './createPostgresSessionIndex';
import {database} from './database';
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
  /** How old a note of a pack being written must be before the pack is taken for a crash's leftover (default 12 × timeoutMs). */
  packOrphanMs?: number;
  log?: (line: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_REMOVAL_SWEEP_MS = 60_000;

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
  const {query} = db;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  const maintenance = createPostgresMaintenance({db, blobs, prefix, packOrphanMs, removalSweepMs, log, batchSessions});
  const batches = createPostgresBatchStore({db, blobs, prefix, packOrphanMs, batchSessions, track, sweepRemovals: maintenance.sweepRemovals});
  const index = createPostgresSessionIndex({db, batchSessions, track});
  maintenance.startSweeping();

  return {
    keepsGzip: true,
    ...createPostgresAccessStore((text, values) => query(pool, text, values)),

    createSession: index.createSession,
    getSession: index.getSession,
    sessionForBatch: index.sessionForBatch,
    listSessions: index.listSessions,
    countSessions: index.countSessions,
    addPage: index.addPage,
    updateSession: index.updateSession,
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

