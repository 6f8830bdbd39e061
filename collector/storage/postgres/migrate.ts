// Brings the database to the schema of migrations.ts at start-up. Several
// collectors starting at once take turns on an advisory lock: each step runs
// once, in its own transaction (or outside any, for an index built
// concurrently), and is recorded in schema_migrations.
//
// The lock is asked for again and again rather than waited on: a collector
// waiting in pg_advisory_lock holds a snapshot for as long as it waits, and
// CREATE INDEX CONCURRENTLY, run by the collector holding the lock, waits
// for every older snapshot to go. The two would wait for each other.
import type {Pool, PoolClient} from 'pg';
import {MIGRATIONS, type Migration} from './migrations';

// Any constant will do, as long as every collector uses the same one.
const MIGRATION_LOCK = 7_140_517;
const LOCK_RETRY_MS = 200;

/** Applies the steps not applied yet, of `migrations` (all of them, but for tests that stop halfway). */
export async function migrate(pool: Pool, log: (line: string) => void, migrations: Migration[] = MIGRATIONS): Promise<void> {
  const client = await pool.connect();
  try {
    await takeLock(client, log);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const {rows} = await client.query<{version: number}>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const known = MIGRATIONS.at(-1)!.version;
    if (newest > known) {
      throw new Error(`the database's schema is at version ${newest}, newer than this collector knows (${known}): run the newer collector, or a database of its own`);
    }
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      const began = Date.now();
      try {
        if (migration.outsideTransaction) await applyOutsideTransaction(client, migration, log);
        else await applyInTransaction(client, migration);
      } catch (error) {
        const hint = migration.hint ? ` ${migration.hint}` : '';
        throw new Error(`schema migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}.${hint}`, {cause: error});
      }
      log(`database schema migrated to version ${migration.version}: ${migration.name} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}

async function takeLock(client: PoolClient, log: (line: string) => void): Promise<void> {
  for (let said = false; ; said = true) {
    const {rows} = await client.query<{locked: boolean}>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK]);
    if (rows[0].locked) return;
    if (!said) log('waiting for another collector to finish migrating the database schema');
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  }
}

async function applyInTransaction(client: PoolClient, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await record(client, migration);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

// Not atomic: the statement may take effect and the collector stop before
// the step is recorded. So the step is one that can run again: IF NOT
// EXISTS, ON CONFLICT DO NOTHING, and an index left INVALID by a build that
// failed is dropped first.
async function applyOutsideTransaction(client: PoolClient, migration: Migration, log: (line: string) => void): Promise<void> {
  if (migration.index) {
    const {rows} = await client.query<{valid: boolean}>(
      'SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)',
      [migration.index],
    );
    if (rows.length && !rows[0].valid) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${migration.index}`);
  }
  if (migration.apply) await migration.apply(client, log);
  else await client.query(migration.sql);
  await record(client, migration);
}

async function record(client: PoolClient, migration: Migration): Promise<void> {
  await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
}
