// Migration 15: the tags of the sessions stored before migration 14 added
// the table and the trigger that keeps it (migrations.ts), on a database
// that may hold millions of rows and be taking batches meanwhile.
//
// In chunks of CHUNK sessions, in the order of their key, each in a
// transaction of its own that first locks the sessions table against
// writes (SHARE: reads go on). Within it no session can change between
// being read and its tags being written, so the tags are exactly those of
// the rows, with nothing left behind by a change that raced the copy (a
// stale tag would outlive its session's erasure). Writers wait for one
// chunk at most (tens of milliseconds); if the lock cannot be had within
// LOCK_WAIT (a long transaction elsewhere), the chunk is tried again later
// rather than holding up every writer queued behind the request.
//
// Rows the trigger has already tagged are skipped (ON CONFLICT DO NOTHING),
// so the step can run again after a collector stopped halfway.
import type {PoolClient} from 'pg';

const CHUNK = 5_000;
const LOCK_WAIT = '1s';
const RETRY_MS = 500;
/** lock_not_available: the lock was not had within lock_timeout. */
const LOCK_TIMEOUT_CODE = '55P03';

export async function backfillSessionTags(client: PoolClient, log: (line: string) => void): Promise<void> {
  let after = '';
  let sessions = 0;
  let waits = 0;
  for (;;) {
    let last: string | null;
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('lock_timeout', '${LOCK_WAIT}', true)`);
      await client.query('LOCK TABLE sessions IN SHARE MODE');
      const {rows} = await client.query<{last: string | null; count: number}>(
        `WITH chunk AS (
           SELECT session_id, started_at, metadata, event_names FROM sessions WHERE session_id > $1 ORDER BY session_id LIMIT $2
         ), tagged AS (
           INSERT INTO session_tags (tag, started_at, session_id)
           SELECT tag, c.started_at, c.session_id FROM chunk c, unnest(session_tags_of(c.metadata, c.event_names)) AS tag
           ON CONFLICT DO NOTHING
         )
         SELECT max(session_id) AS last, count(*)::int AS count FROM chunk`,
        [after, CHUNK],
      );
      await client.query('COMMIT');
      last = rows[0].last;
      sessions += rows[0].count;
    } catch (error) {
      await client.query('ROLLBACK');
      if ((error as {code?: string}).code !== LOCK_TIMEOUT_CODE) throw error;
      if (++waits % 10 === 1) log(`session tags: waiting for the sessions table (a long transaction holds it), ${sessions} sessions done`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    if (last === null) return;
    after = last;
    if (sessions % 1_000_000 < CHUNK) log(`session tags: ${sessions} sessions done`);
  }
}
