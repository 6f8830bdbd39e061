// How the PostgreSQL backend's modules reach the database: every statement's
// error made a storage error (asStorageError.ts), and transactions that
// give their connection back, rolled back or dropped, whatever happens.
import type {Pool, PoolClient, QueryResult, QueryResultRow} from 'pg';
import {asStorageError, connectionLost} from './asStorageError';
import type {Run} from './planner';

export type Queryable = Pool | PoolClient;

export interface Database {
  pool: Pool;
  query<R extends QueryResultRow>(db: Queryable, text: string, values?: unknown[]): Promise<QueryResult<R>>;
  /** Runs `work` between `begin` and COMMIT on a connection of its own; rolls back if it throws. */
  transaction<T>(work: (client: PoolClient) => Promise<T>, begin?: string): Promise<T>;
  /** This connection's statements, as the listing runs them (planner.ts). */
  runOn(client: PoolClient): Run;
  /**
   * Errors of a COMMIT whose outcome is unknown: the connection was lost
   * or timed out after the COMMIT was sent, so it may have taken effect.
   */
  commitMayHaveHappened: WeakSet<Error>;
}

export function database(pool: Pool): Database {
  async function query<R extends QueryResultRow>(db: Queryable, text: string, values: unknown[] = []): Promise<QueryResult<R>> {
    try {
      return await db.query<R>(text, values);
    } catch (error) {
      throw asStorageError(error);
    }
  }

  const commitMayHaveHappened = new WeakSet<Error>();

  const runOn =
    (client: PoolClient): Run =>
    (text, values) =>
      query(client, text, values);

  async function transaction<T>(work: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asStorageError(error);
    }
    let broken = false;
    let committing = false;
    try {
      await query(client, begin);
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

  return {pool, query, transaction, runOn, commitMayHaveHappened};
}
