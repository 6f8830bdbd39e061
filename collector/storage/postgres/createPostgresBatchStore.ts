// The PostgreSQL backend's batch path: batches stored, and read back.
// Batches stored at the same time share one object, a pack:
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
// and a review (createPostgresMaintenance.ts) deletes the pack once the note
// is old enough; a pack left holding bytes no row names is noted for review.
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';
import {gunzip as gunzipCallback} from 'node:zlib';
import type {PoolClient} from 'pg';
import {StorageUnavailable} from '../../lib/storageUnavailable';
import type {Session} from '../types';
import {applySessionChange} from '../applySessionChange';
import type {BlobStore} from '../s3/blobStore';
import {SessionErased, SessionGone, type BatchToStore} from '../storage';
import type {BatchSessionCache} from './createBatchSessionCache';
import type {Database} from './database';
import {SUMMARY_FROM_RECORDS, summaryRecord, toSession} from './sessionRow';

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

const gunzip = promisify(gunzipCallback);

export function createPostgresBatchStore({db, blobs, prefix, packOrphanMs, batchSessions, track, sweepRemovals}: {
  db: Database;
  blobs: BlobStore;
  /** Prepended to every object key: '' or ending in '/'. */
  prefix: string;
  /** How old a note of a pack being written must be before a review takes the pack for a crash's leftover. */
  packOrphanMs: number;
  batchSessions: BatchSessionCache;
  /** Counts a write as under way until it settles: closing waits for it. */
  track: <T>(work: Promise<T>) => Promise<T>;
  /** Asked for once a pack holds bytes no row names (it was noted for review). */
  sweepRemovals: () => Promise<void>;
}) {
  const {pool, query, transaction, commitMayHaveHappened} = db;

  // Batches waiting for a pack, and the packs being written.
  const waiting: Packing[] = [];
  let packsInFlight = 0;

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
    const key = packKey(prefix);
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

  return {
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
  };
}

/** A new pack's key, under the day it is written. */
export function packKey(prefix: string): string {
  return `${prefix}packs/${new Date().toISOString().slice(0, 10)}/${randomBytes(12).toString('hex')}`;
}

type Outcome = 'stored' | 'duplicate' | SessionErased | SessionGone;

const batchName = (sessionID: string, pageID: number, seq: number) => `${sessionID}\n${pageID}\n${seq}`;

/** Where each of these bodies starts, laid end to end. */
export function packOffsets(bodies: Buffer[]): number[] {
  let at = 0;
  return bodies.map((body) => {
    const offset = at;
    at += body.length;
    return offset;
  });
}
