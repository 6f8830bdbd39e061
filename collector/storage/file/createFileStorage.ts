// The embedded storage: plain files under the data directory, no other service.
//
//   <dataDir>/
//     clean-shutdown                     present only between a clean close() and the next start
//     erased/<sessionID>                 an empty file per erased session: a late batch is refused
//     trash/                             sessions being removed (erasure, retention); emptied at start-up
//     sessions/
//       <sessionID>/
//         session.json                   the session record (types.ts `Session`): project, user,
//                                        metadata, vitals, pages with their event counts
//         <pageID>/                      1, 2, 3…
//           000000.42.json               one batch: `<seq>.<eventCount>.json`, the JSON array of
//           000001.17.json               events as received (inflated); seq zero-padded to 6 digits
//
// Every file is written to a temporary `*.tmp` name in the same directory,
// fsynced, then renamed (lib/writeFileAtomic.ts): after a crash a file is
// whole or absent.
//
// The sessions are held in memory (that is what /api/sessions answers from),
// loaded at start-up from the session.json files alone. A handshake writes
// its session.json before it is answered; the changes batches bring (event
// counts, identity, vitals) are written a moment later, a session at a time,
// never the whole index. A batch's event count is also in its file name, so a
// crash before session.json caught up loses no count: when `clean-shutdown`
// is missing at start-up, the counts are recomputed from the page directories.
//
// Which batches a page already has is learnt from its directory listing the
// first time the page receives a batch, then kept in memory while the page is
// active. One collector process owns a data directory.
//
// Removing a session (erasure, retention) takes it out of memory, waits for
// its writes under way, then renames its directory into trash/ (one atomic
// step: a reader sees all of it or none) and deletes it there. An erasure
// writes its tombstone in erased/ first: after a crash halfway, start-up
// finishes the job.
import {randomUUID} from 'node:crypto';
import {mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {applySessionChange, withSummaryDefaults} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import {sessionMatches} from '../sessionMatches';
import {syncDirectory} from '../../lib/syncDirectory';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import {SessionErased, type BatchToStore, type Erasure, type NewPage, type NewSession, type SessionChange, type SessionQuery, type Storage} from '../storage';
import type {Page, Session} from '../../types';

export interface FileStorageOptions {
  /** How long the changes batches bring wait before session.json is rewritten (default 1000 ms). */
  metadataDelayMs?: number;
  log?: (line: string) => void;
}

interface PageState {
  /** The seqs already stored. */
  seqs: Set<number>;
  /** Resolves once `seqs` holds what the directory held. */
  ready: Promise<void>;
  usedAt: number;
  /** Batches being stored: the state is not forgotten meanwhile. */
  busy: number;
}

const SESSION_FILE = 'session.json';
const BATCH_FILE = /^(\d+)\.(\d+)\.json$/;
// A page idle this long has its list of stored seqs dropped from memory; it
// is read again from the directory if the page ever receives another batch.
const PAGE_STATE_IDLE_MS = 5 * 60_000;
const LOAD_CONCURRENCY = 32;

const batchFileName = (seq: number, eventCount: number) => `${String(seq).padStart(6, '0')}.${eventCount}.json`;

const byStartedAt = (a: Session, b: Session) => a.startedAt - b.startedAt || (a.sessionID < b.sessionID ? -1 : a.sessionID > b.sessionID ? 1 : 0);

export async function createFileStorage(dataDir: string, options: FileStorageOptions = {}): Promise<Storage> {
  const metadataDelayMs = options.metadataDelayMs ?? 1000;
  const log = options.log ?? (() => {});
  const sessionsDir = join(dataDir, 'sessions');
  const erasedDir = join(dataDir, 'erased');
  const trashDir = join(dataDir, 'trash');
  const cleanMarker = join(dataDir, 'clean-shutdown');
  const sessionDir = (sessionID: string) => join(sessionsDir, sessionID);
  const pageDir = (sessionID: string, pageID: number) => join(sessionsDir, sessionID, String(pageID));

  const sessions = new Map<string, Session>();
  /** Every session, oldest first: listing walks it backwards. */
  const timeline: Session[] = [];
  const pageStates = new Map<string, PageState>();
  const batchesInFlight = new Map<string, Promise<void>>();
  const metadataWrites = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const erased = new Set<string>();
  let flushTimer: NodeJS.Timeout | null = null;
  let closed = false;

  await mkdir(sessionsDir, {recursive: true});
  await mkdir(erasedDir, {recursive: true});
  await rm(trashDir, {recursive: true, force: true});
  await mkdir(trashDir, {recursive: true});
  for (const name of await readdir(erasedDir)) erased.add(name);
  const cleanStart = await rm(cleanMarker).then(
    () => true,
    () => false,
  );
  // Durable before anything else is written: were the marker to come back
  // after a power cut, stale counts would be trusted.
  await syncDirectory(dataDir);
  await loadSessions(cleanStart);

  const sweep = setInterval(() => {
    const idleSince = Date.now() - PAGE_STATE_IDLE_MS;
    for (const [key, state] of pageStates) if (!state.busy && state.usedAt < idleSince) pageStates.delete(key);
  }, 60_000);
  sweep.unref();

  async function loadSessions(cleanStart: boolean): Promise<void> {
    const names = await readdir(sessionsDir);
    let unreadable = 0;
    let corrected = 0;
    await forEachConcurrently(names, LOAD_CONCURRENCY, async (name) => {
      if (erased.has(name)) {
        // An erasure interrupted by a crash: finish it.
        await rm(sessionDir(name), {recursive: true, force: true});
        return;
      }
      let session: Session;
      try {
        session = JSON.parse(await readFile(join(sessionsDir, name, SESSION_FILE), 'utf8'));
        if (typeof session.sessionID !== 'string' || !Array.isArray(session.pages)) throw new Error('not a session');
        withSummaryDefaults(session);
      } catch {
        unreadable++;
        return;
      }
      if (!cleanStart && (await recountEvents(session))) {
        corrected++;
        dirty.add(session.sessionID);
      }
      sessions.set(session.sessionID, session);
      timeline.push(session);
    });
    timeline.sort(byStartedAt);
    log(`${sessions.size} sessions loaded from ${sessionsDir}`);
    if (unreadable) log(`${unreadable} entries in ${sessionsDir} have no readable ${SESSION_FILE} and were left out`);
    if (!cleanStart && sessions.size) {
      log(`the last run did not stop cleanly: event counts were checked against the stored batches (${corrected} sessions corrected)`);
    }
    if (dirty.size) await flushDirty();
  }

  // After a crash: the batch files are the truth for event counts, and
  // temporary files of interrupted writes are removed.
  async function recountEvents(session: Session): Promise<boolean> {
    let changed = false;
    await removeTemporaryFiles(sessionDir(session.sessionID));
    for (const page of session.pages) {
      const dir = pageDir(session.sessionID, page.pageID);
      await removeTemporaryFiles(dir);
      const count = (await listBatches(dir)).reduce((sum, batch) => sum + batch.eventCount, 0);
      if (count !== page.eventCount) {
        page.eventCount = count;
        changed = true;
      }
    }
    return changed;
  }

  function pageState(sessionID: string, pageID: number): PageState {
    const key = `${sessionID}/${pageID}`;
    let state = pageStates.get(key);
    if (!state) {
      const seqs = new Set<number>();
      const ready = listBatches(pageDir(sessionID, pageID)).then((batches) => {
        for (const batch of batches) seqs.add(batch.seq);
      });
      const created: PageState = {seqs, ready, usedAt: Date.now(), busy: 0};
      // A listing that failed is tried again by the next batch, not remembered.
      ready.catch(() => pageStates.get(key) === created && pageStates.delete(key));
      pageStates.set(key, created);
      state = created;
    }
    state.usedAt = Date.now();
    return state;
  }

  function persist(session: Session): Promise<void> {
    dirty.delete(session.sessionID);
    // One write at a time per session, each with the record as it is when it runs.
    const previous = metadataWrites.get(session.sessionID) ?? Promise.resolve();
    const write = previous
      .catch(() => {})
      .then(() => writeFileAtomic(join(sessionDir(session.sessionID), SESSION_FILE), JSON.stringify(session)));
    metadataWrites.set(session.sessionID, write);
    const forget = () => {
      if (metadataWrites.get(session.sessionID) === write) metadataWrites.delete(session.sessionID);
    };
    write.then(forget, forget);
    return write;
  }

  function markDirty(sessionID: string): void {
    dirty.add(sessionID);
    if (!flushTimer && !closed) {
      flushTimer = setTimeout(() => void flushDirty(), metadataDelayMs);
      flushTimer.unref();
    }
  }

  async function flushDirty(): Promise<boolean> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    const due = [...dirty].flatMap((id) => sessions.get(id) ?? []);
    let ok = true;
    await Promise.all(
      due.map((session) =>
        persist(session).catch((error) => {
          ok = false;
          log(`could not write ${SESSION_FILE} of session ${session.sessionID} (${error.message}); trying again`);
          markDirty(session.sessionID);
        }),
      ),
    );
    return ok;
  }

  function mustGet(sessionID: string): Session {
    const session = sessions.get(sessionID);
    if (!session && erased.has(sessionID)) throw new SessionErased(sessionID);
    if (!session) throw new Error(`no session ${sessionID} in ${sessionsDir}`);
    return session;
  }

  // Out of memory at once (nothing reads or writes it from now on), then off the disk.
  async function remove(session: Session): Promise<void> {
    const id = session.sessionID;
    sessions.delete(id);
    timeline.splice(timeline.indexOf(session), 1);
    dirty.delete(id);
    for (const key of pageStates.keys()) if (key.startsWith(`${id}/`)) pageStates.delete(key);
    const underWay = [...batchesInFlight].filter(([key]) => key.startsWith(`${id}/`)).map(([, write]) => write);
    await Promise.allSettled([...underWay, metadataWrites.get(id) ?? Promise.resolve()]);
    const trashed = join(trashDir, `${id}.${randomUUID()}`);
    await rename(sessionDir(id), trashed).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rm(trashed, {recursive: true, force: true, maxRetries: 3});
  }

  return {
    async createSession(input: NewSession): Promise<Session> {
      if (sessions.has(input.sessionID) || erased.has(input.sessionID)) throw new Error(`session ${input.sessionID} exists already`);
      const session = newSessionRecord(input);
      await mkdir(sessionDir(session.sessionID));
      try {
        await Promise.all([syncDirectory(sessionsDir), persist(session)]);
      } catch (error) {
        // A full disk: no half-made session left behind for the next start-up to trip on.
        await rm(sessionDir(session.sessionID), {recursive: true, force: true}).catch(() => {});
        throw error;
      }
      sessions.set(session.sessionID, session);
      insertInTimeline(timeline, session);
      return session;
    },

    async getSession(sessionID: string) {
      return sessions.get(sessionID);
    },

    async listSessions(query: SessionQuery): Promise<Session[]> {
      let end = timeline.length;
      if (query.before !== undefined) end = firstStartedAtOrAfter(timeline, query.before);
      const found: Session[] = [];
      for (let i = end - 1; i >= 0 && found.length < query.limit; i--) {
        if (sessionMatches(timeline[i], query)) found.push(timeline[i]);
      }
      return found;
    },

    async addPage(sessionID: string, input: NewPage): Promise<Page> {
      const session = mustGet(sessionID);
      // The ID is taken at once: concurrent handshakes of one session get distinct pages.
      const page: Page = {pageID: session.pages.length + 1, ...input, eventCount: 0};
      session.pages.push(page);
      const made = mkdir(pageDir(sessionID, page.pageID), {recursive: true}).then(() => {});
      // A new page has no batches yet: no need to list its directory.
      const key = `${sessionID}/${page.pageID}`;
      const state: PageState = {seqs: new Set(), ready: made, usedAt: Date.now(), busy: 0};
      made.catch(() => pageStates.get(key) === state && pageStates.delete(key));
      pageStates.set(key, state);
      try {
        await made;
        await persist(session);
      } catch (error) {
        // The handshake is refused, so nobody holds this pageID: take it back
        // (unless a later handshake took the next one meanwhile; then it
        // stays, empty). Either way the record is written again later, in
        // case a concurrent write put this page on disk.
        if (session.pages[session.pages.length - 1] === page) {
          session.pages.pop();
          pageStates.delete(key);
        }
        markDirty(sessionID);
        throw error;
      }
      return page;
    },

    async updateSession(sessionID: string, change: SessionChange): Promise<void> {
      applySessionChange(mustGet(sessionID), change);
      markDirty(sessionID);
    },

    async putBatch({sessionID, pageID, seq, body, eventCount, change}: BatchToStore): Promise<'stored' | 'duplicate'> {
      const session = mustGet(sessionID);
      const page = session.pages[pageID - 1];
      if (!page) throw new Error(`session ${sessionID} has no page ${pageID}`);
      const state = pageState(sessionID, pageID);
      state.busy++;
      try {
        await state.ready;
        const key = `${sessionID}/${pageID}/${seq}`;
        // A concurrent request with the same batch: wait for it, then it is a duplicate (or, if it failed, ours to store).
        for (;;) {
          if (state.seqs.has(seq)) return 'duplicate';
          const inFlight = batchesInFlight.get(key);
          if (!inFlight) break;
          await inFlight.catch(() => {});
        }
        // Removed while this request waited: not brought back.
        if (!sessions.has(sessionID)) mustGet(sessionID);
        const stored = writeFileAtomic(join(pageDir(sessionID, pageID), batchFileName(seq, eventCount)), body).then(() => {
          state.seqs.add(seq);
          page.eventCount += eventCount;
          if (change) applySessionChange(session, change);
          markDirty(sessionID);
        });
        batchesInFlight.set(key, stored);
        try {
          await stored;
        } finally {
          batchesInFlight.delete(key);
        }
        return 'stored';
      } finally {
        state.busy--;
        state.usedAt = Date.now();
      }
    },

    async readPageBatches(sessionID: string, pageID: number): Promise<AsyncIterable<Buffer>> {
      const dir = pageDir(sessionID, pageID);
      const batches = (await listBatches(dir)).sort((a, b) => a.seq - b.seq);
      return (async function* () {
        for (const batch of batches) yield await readFile(join(dir, batch.name));
      })();
    },

    async erase(erasure: Erasure): Promise<string[]> {
      const doomed = 'sessionID' in erasure ? [sessions.get(erasure.sessionID) ?? []].flat() : timeline.filter((session) => session.userID === erasure.userID);
      for (const session of doomed) {
        // The tombstone first, durably: a crash before the directory is gone leaves the erasure to finish at start-up.
        await writeFileAtomic(join(erasedDir, session.sessionID), '');
        erased.add(session.sessionID);
        await remove(session);
      }
      return doomed.map((session) => session.sessionID);
    },

    async isErased(sessionID: string): Promise<boolean> {
      return erased.has(sessionID);
    },

    async removeInactiveSince(time: number, limit: number): Promise<number> {
      const expired = timeline.filter((session) => session.lastActivityAt < time).slice(0, limit);
      for (const session of expired) await remove(session);
      return expired.length;
    },

    async close(): Promise<void> {
      closed = true;
      clearInterval(sweep);
      while (batchesInFlight.size) await Promise.allSettled([...batchesInFlight.values()]);
      const flushed = await flushDirty();
      const written = await Promise.allSettled([...metadataWrites.values()]);
      if (flushed && written.every((result) => result.status === 'fulfilled')) await writeFile(cleanMarker, '');
    },
  };
}

interface StoredBatch {
  name: string;
  seq: number;
  eventCount: number;
}

async function listBatches(dir: string): Promise<StoredBatch[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.flatMap((name) => {
    const match = BATCH_FILE.exec(name);
    return match ? [{name, seq: Number(match[1]), eventCount: Number(match[2])}] : [];
  });
}

async function removeTemporaryFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.endsWith('.tmp')).map((name) => rm(join(dir, name), {force: true})));
}

function firstStartedAtOrAfter(timeline: Session[], time: number): number {
  let low = 0;
  let high = timeline.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (timeline[mid].startedAt < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

// Sessions mostly arrive in start order: search from the end.
function insertInTimeline(timeline: Session[], session: Session): void {
  let at = timeline.length;
  while (at > 0 && byStartedAt(timeline[at - 1], session) > 0) at--;
  timeline.splice(at, 0, session);
}

async function forEachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({length: Math.min(concurrency, items.length)}, worker));
}
