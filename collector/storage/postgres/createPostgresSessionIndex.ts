// The PostgreSQL backend's session index: sessions and their pages created,
// read, and changed by the handshake and by batches, and the listing
// (listSessions.ts, countSessions.ts) run in its transaction. Every call asks
// the database but sessionForBatch, which may answer from its cache
// (createBatchSessionCache.ts).
import type {PoolClient} from 'pg';
import type {Page, Session} from '../types';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import {SessionErased, SessionGone, type BatchSession, type CountOptions, type NewPage, type NewSession, type SessionChange, type SessionFilter, type SessionQuery} from '../storage';
import {countSessions} from './countSessions';
import type {BatchSessionCache} from './createBatchSessionCache';
import type {Database, Queryable} from './database';
import {listSessions, pagesJson} from './listSessions';
import {summaryUpdate, summaryValues, toSession} from './sessionRow';

const READ_ONLY = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

const SELECT_SESSION = `SELECT s.*, ${pagesJson('s')} FROM sessions s`;

export function createPostgresSessionIndex({db, batchSessions, track}: {
  db: Database;
  batchSessions: BatchSessionCache;
  /** Counts a write as under way until it settles: closing waits for it. */
  track: <T>(work: Promise<T>) => Promise<T>;
}) {
  const {pool, query, transaction, runOn} = db;

  // Erased (refused for good), or removed by retention while the request
  // was under way (the tracker starts a new session).
  async function goneError(on: Queryable, sessionID: string): Promise<Error> {
    const {rowCount} = await query(on, 'SELECT 1 FROM erased_sessions WHERE session_id = $1', [sessionID]);
    return rowCount ? new SessionErased(sessionID) : new SessionGone(sessionID);
  }

  async function writeSummary(client: PoolClient, session: Session): Promise<void> {
    await query(client, summaryUpdate(1), summaryValues(session));
  }

  async function readSession(sessionID: string): Promise<Session | undefined> {
    const {rows} = await query(pool, `${SELECT_SESSION} WHERE s.session_id = $1`, [sessionID]);
    return rows.length ? toSession(rows[0]) : undefined;
  }

  return {
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

    countSessions(filter: SessionFilter, options?: CountOptions) {
      return transaction((client) => countSessions(runOn(client), filter, options), READ_ONLY);
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
  };
}
