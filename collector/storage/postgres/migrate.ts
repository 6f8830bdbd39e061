// Brings the database to the schema of migrations.ts at start-up. Several
// collectors starting at once take turns on an advisory lock: each step runs
// once, in its own transaction, and is recorded in schema_migrations.
import type {Pool} from 'pg';
import {MIGRATIONS} from './migrations';

// Any constant will do, as long as every collector uses the same one.
const MIGRATION_LOCK = 7_140_517;

export async function migrate(pool: Pool, log: (line: string) => void): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
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
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`schema migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {cause: error});
      }
      log(`database schema migrated to version ${migration.version}: ${migration.name}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
