// The PostgreSQL backend's maintenance: erasure, retention, and the sweep
// that finishes in the object store what they, and the batch path, leave
// to do there.
//
// A pack may come to hold bytes no row names: a batch that was a duplicate,
// or whose session was erased or removed by retention. Such a pack is noted
// for review, in the same transaction that made it so; a review rewrites it
// with the batches still named (the rows are moved to the new object in one
// transaction) or deletes it once none is. So an erased session's events
// leave the store, even those that shared an object with other sessions.
//
// An erasure or a retention step has taken effect once its transaction
// commits: the rows are gone, and notes say which objects are due (the
// session's own objects in pending_object_removals, its packs in
// pack_notes). They are dealt with at once if the store answers; if it does
// not, the erasure is answered all the same, and the sweep (every
// `removalSweepMs`, and at start-up) finishes once the store is back.
// Several collectors sweeping the same note is harmless.
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {BlobStore} from '../s3/blobStore';
import type {Erasure} from '../storage';
import type {BatchSessionCache} from './createBatchSessionCache';
import {packKey, packOffsets} from './createPostgresBatchStore';
import type {Database} from './database';

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

export function createPostgresMaintenance({db, blobs, prefix, packOrphanMs, removalSweepMs, log, batchSessions}: {
  db: Database;
  blobs: BlobStore;
  /** Prepended to every object key: '' or ending in '/'. */
  prefix: string;
  /** How old a note of a pack being written must be before the pack is taken for a crash's leftover. */
  packOrphanMs: number;
  /** How often objects of removed sessions still in the store are looked for and deleted. */
  removalSweepMs: number;
  log: (line: string) => void;
  batchSessions: BatchSessionCache;
}) {
  const {pool, query, transaction} = db;
  const sessionPrefix = (sessionID: string) => `${prefix}sessions/${sessionID}/`;

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

  let sweepTimer: ReturnType<typeof setInterval> | undefined;

  return {
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

    sweepRemovals,

    /** Sweeps now, for whatever a collector stopped halfway or an outage of the store left, and every removalSweepMs. */
    startSweeping(): void {
      void sweepRemovals();
      sweepTimer = setInterval(() => void sweepRemovals(), removalSweepMs);
      sweepTimer.unref();
    },

    /** For closing: no more sweeps on the timer, and the sweep under way stops after its step (and starts no other). */
    stopSweeping(): void {
      closing = true;
      clearInterval(sweepTimer);
    },

    /** Resolves once the sweep under way, and the one asked for after it, are done. */
    async sweepsDone(): Promise<void> {
      await (sweepNext ?? sweeping);
    },
  };
}

/** A pack changed while it was reviewed: the review stops, and the next one starts over. */
class PackChanged extends Error {}
