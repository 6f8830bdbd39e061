// The embedded storage: plain files under the data directory, no other service.
//
//   <dataDir>/
//     clean-shutdown                     present only between a clean close() and the next start
//     access/                            logins and the audit log (createFileAccessStore.ts)
//     erased/<sessionID>                 an empty file per erased session: a late batch is refused
//     trash/                             sessions being removed (erasure, retention); emptied at start-up
//     journal/<n>.log                    batches acknowledged since the last checkpoint (journal.ts)
//     sessions/
//       <sessionID>/
//         session.json                   the session record (types.ts `Session`): project, user,
//                                        metadata, vitals, pages with their event counts
//         <pageID>/                      1, 2, 3…
//           000000.42.json.gz            one batch: `<seq>.<eventCount>.json`, the JSON array of
//           000001.17.json               events, gzipped (`.gz`) when the tracker sent it gzipped,
//                                        as it sent it; seq zero-padded to 6 digits
//
// **A batch** is acknowledged once it is in the journal: batches that arrive
// together are appended with one write and made durable with one fdatasync
// (group commit), instead of two fsyncs each. Its page file is written right
// after, off the acknowledgement path, to a temporary `*.tmp` name renamed
// into place (a page file is whole or absent), without an fsync of its own;
// until it is written, the page's reads take the batch from memory.
//
// **Writeback**: page files are made durable a few MiB at a time as they
// are written, not all at the checkpoint (createWriteback.ts).
//
// **A checkpoint** (every `checkpointMs`, when a journal segment passes 64 MiB,
// after an erasure, at close) starts a new journal segment, waits until every
// batch of the older ones is in its page file and every session record holds
// what they changed, makes all of it durable at once (syncfs, see
// lib/syncFileSystem.ts), and only then deletes the older segments. A crash
// at any point leaves each acknowledged batch in the journal or durable in
// its page file, or both.
//
// **After a crash** (no `clean-shutdown`), start-up writes every batch left
// in the journal into its page file again (recoverAfterCrash.ts).
//
// The sessions are held in memory, loaded at start-up from the session.json
// files alone (createSessionIndex.ts).
//
// Which batches a page already has is learnt from its directory listing the
// first time the page receives a batch, then kept in memory while the page is
// active. One collector process owns a data directory.
//
// Removing a session (erasure, retention) takes it out of memory, waits for
// its writes under way, then renames its directory into trash/ (one atomic
// step: a reader sees all of it or none) and deletes it there. An erasure
// writes its tombstone in erased/ first: after a crash halfway, start-up
// finishes the job. Both then run a checkpoint, so that the journal no
// longer holds the session's events either.
import {randomUUID} from 'node:crypto';
import {mkdir, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {gunzip as gunzipCallback} from 'node:zlib';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import {syncDirectory} from '../../lib/syncDirectory';
import {openFileSystemSync} from '../../lib/syncFileSystem';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import {createFileAccessStore} from './createFileAccessStore';
import {createPageWriter} from './createPageWriter';
import {createSessionIndex} from './createSessionIndex';
import {createWriteback} from './createWriteback';
import {fileLayout} from './fileLayout';
import {recoverAfterCrash} from './recoverAfterCrash';
import {openJournal, type Journal} from './journal';
import {batchFileName, listBatches, type Encoding} from './listBatches';
import type {BatchToStore, Erasure, NewPage, NewSession, SessionChange, SessionCount, SessionFilter, SessionQuery, Storage} from '../storage';
import type {Page, Session} from '../types';

const gunzip = promisify(gunzipCallback);

export interface FileStorageOptions {
  /** How often a checkpoint runs while something changed (default 2000 ms). */
  checkpointMs?: number;
  /** A journal segment past this many bytes is checkpointed at once (default 64 MiB). */
  maxSegmentBytes?: number;
  /** The collector's worker script (dist/collector-worker.js): page files are written in a worker thread. */
  workerUrl?: URL | null;
  /**
   * For crash tests only: page files wait this long after their batch is
   * acknowledged, so that a kill finds acknowledged batches in the journal
   * alone (collector/test/groupCommitKill.test.ts).
   */
  pageWriteDelayMs?: number;
  log?: (line: string) => void;
}

/** A batch acknowledged and not yet in its page file. */
interface Unwritten {
  sessionID: string;
  pageID: number;
  seq: number;
  name: string;
  body: Buffer;
  encoding: Encoding;
  /** The journal segment holding it. */
  segment: number;
  state: PageState;
  /** Settles once the write queued last ends: true when the file is there. */
  written: Promise<boolean>;
  queued: boolean;
  /** The last write failed (a full disk): the next checkpoint tries again. */
  failed: boolean;
}

interface PageState {
  /** The seqs already stored. */
  seqs: Set<number>;
  /** Resolves once `seqs` holds what the directory held. */
  ready: Promise<void>;
  usedAt: number;
  /** Batches being stored, or stored and not yet written: the state is not forgotten meanwhile. */
  busy: number;
  /** By seq: acknowledged batches not yet in their page files (reads take them from here). */
  unwritten: Map<number, Unwritten>;
}

// A page idle this long has its list of stored seqs dropped from memory; it
// is read again from the directory if the page ever receives another batch.
const PAGE_STATE_IDLE_MS = 5 * 60_000;
// Page files handed to the writer at once. Written on libuv's threads (no
// worker thread), two leave the rest of its four free for the journal.
const WRITE_CONCURRENCY = {worker: 256, inline: 2};
// Session records a checkpoint writes at once (open, write, fsync, close,
// rename each, on libuv's four threads). All at once, its hundreds of writes
// filled those threads, and the journal's writev and fdatasync, which
// acknowledge batches, waited behind them: a stall at every checkpoint, and
// most of figure 7's p99 (bench/NOTES.md). Two leave the journal a thread.
const RECORD_WRITE_LANES = 2;

export async function createFileStorage(dataDir: string, options: FileStorageOptions = {}): Promise<Storage> {
  const checkpointMs = options.checkpointMs ?? 2000;
  const writeConcurrency = options.workerUrl ? WRITE_CONCURRENCY.worker : WRITE_CONCURRENCY.inline;
  const log = options.log ?? (() => {});
  const layout = fileLayout(dataDir);
  const {sessionsDir, erasedDir, trashDir, journalDir, cleanMarker, sessionDir, pageDir} = layout;

  const pageStates = new Map<string, PageState>();
  const batchesInFlight = new Map<string, Promise<void>>();
  const erased = new Set<string>();
  const unwritten = new Set<Unwritten>();
  const writeQueue: Array<{entry: Unwritten; settle(written: boolean): void}> = [];
  let writesRunning = 0;

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
  const fileSystem = await openFileSystemSync(dataDir);
  const writeback = createWriteback(fileSystem);
  const {rememberWritten, writeBack, syncWritten} = writeback;
  const index = createSessionIndex({layout, erased, writeback, log});
  const {sessions, timeline, dirty, appliedLsn, mustGet, persist, persistDirty} = index;
  await index.load();
  const access = await createFileAccessStore(dataDir);
  const nextLsn = await recoverAfterCrash({layout, index, writeback, cleanStart, log});
  const pageWriter = createPageWriter(options.workerUrl ?? null);
  const journal: Journal = await openJournal(journalDir, {
    nextLsn,
    maxSegmentBytes: options.maxSegmentBytes,
    onFull: () => void checkpoint().catch(reportCheckpointFailure),
  });

  const sweep = setInterval(() => {
    const idleSince = Date.now() - PAGE_STATE_IDLE_MS;
    for (const [key, state] of pageStates) if (!state.busy && state.usedAt < idleSince) pageStates.delete(key);
  }, 60_000);
  sweep.unref();
  const checkpoints = setInterval(() => {
    if (!journal.isEmpty() || dirty.size) void checkpoint().catch(reportCheckpointFailure);
  }, checkpointMs);
  checkpoints.unref();

  let checkpointFailing = false;
  function reportCheckpointFailure(error: Error): void {
    // Once per outage: the journal keeps every acknowledged batch meanwhile.
    if (checkpointFailing) return;
    checkpointFailing = true;
    log(`checkpoint failed (${error.message}); the journal keeps every acknowledged batch, trying again in ${checkpointMs} ms`);
  }

  function pageState(sessionID: string, pageID: number): PageState {
    const key = `${sessionID}/${pageID}`;
    let state = pageStates.get(key);
    if (!state) {
      const seqs = new Set<number>();
      const ready = listBatches(pageDir(sessionID, pageID)).then((batches) => {
        for (const batch of batches) seqs.add(batch.seq);
      });
      const created: PageState = {seqs, ready, usedAt: Date.now(), busy: 0, unwritten: new Map()};
      // A listing that failed is tried again by the next batch, not remembered.
      ready.catch(() => pageStates.get(key) === created && pageStates.delete(key));
      pageStates.set(key, created);
      state = created;
    }
    state.usedAt = Date.now();
    return state;
  }

  // Page files, a few at a time, in the order the batches were acknowledged.
  function queueWrite(entry: Unwritten): void {
    entry.queued = true;
    entry.written = new Promise<boolean>((settle) => writeQueue.push({entry, settle}));
    pumpWrites();
  }

  function pumpWrites(): void {
    while (writesRunning < writeConcurrency && writeQueue.length) {
      const {entry, settle} = writeQueue.shift()!;
      writesRunning++;
      void writePageFile(entry)
        .then(settle, () => settle(false))
        .finally(() => {
          entry.queued = false;
          writesRunning--;
          pumpWrites();
        });
    }
  }

  async function writePageFile(entry: Unwritten): Promise<boolean> {
    if (options.pageWriteDelayMs) await new Promise((resolve) => setTimeout(resolve, options.pageWriteDelayMs));
    // Removed meanwhile (erasure, retention): nothing to write.
    if (!unwritten.has(entry)) return true;
    const dir = pageDir(entry.sessionID, entry.pageID);
    try {
      await pageWriter.write(join(dir, entry.name), entry.body);
    } catch {
      entry.failed = true;
      return false;
    }
    rememberWritten(join(dir, entry.name), dir);
    writeBack(entry.body.length);
    entry.failed = false;
    forgetUnwritten(entry);
    return true;
  }

  function forgetUnwritten(entry: Unwritten): void {
    if (!unwritten.delete(entry)) return;
    if (entry.state.unwritten.get(entry.seq) === entry) entry.state.unwritten.delete(entry.seq);
    entry.state.busy--;
  }

  // See the header: the older journal segments go once what they hold is durable elsewhere.
  async function runCheckpoint(): Promise<void> {
    const sealed = new Set(await journal.seal());
    for (;;) {
      const due = [...unwritten].filter((entry) => sealed.has(entry.segment));
      if (!due.length) break;
      for (const entry of due) {
        if (entry.failed && !entry.queued) queueWrite(entry);
      }
      const results = await Promise.all(due.map((entry) => entry.written));
      if (results.includes(false)) throw new Error('page files could not be written (is the disk full?)');
    }
    await persistDirty('file', RECORD_WRITE_LANES);
    await syncWritten();
    await journal.remove([...sealed]);
    if (checkpointFailing) log('checkpoint succeeded again');
    checkpointFailing = false;
  }

  // One at a time; a caller arriving while one runs gets the next, which covers what it did.
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function checkpoint(): Promise<void> {
    if (!running) {
      running = runCheckpoint().finally(() => (running = null));
      return running;
    }
    next ??= running
      .catch(() => {})
      .then(() => {
        next = null;
        return checkpoint();
      });
    return next;
  }

  // Out of memory at once (nothing reads or writes it from now on), then off the disk.
  async function remove(session: Session): Promise<void> {
    const id = session.sessionID;
    index.forget(session);
    for (const key of pageStates.keys()) if (key.startsWith(`${id}/`)) pageStates.delete(key);
    const underWay = [...batchesInFlight].filter(([key]) => key.startsWith(`${id}/`)).map(([, write]) => write);
    await Promise.allSettled([...underWay, index.recordWrite(id) ?? Promise.resolve()]);
    // Batches acknowledged and not yet written: dropped, once a write under way has ended.
    const mine = [...unwritten].filter((entry) => entry.sessionID === id);
    for (const entry of mine) forgetUnwritten(entry);
    await Promise.allSettled(mine.map((entry) => entry.written));
    const trashed = join(trashDir, `${id}.${randomUUID()}`);
    await rename(sessionDir(id), trashed).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rm(trashed, {recursive: true, force: true, maxRetries: 3});
  }

  return {
    keepsGzip: true,

    async createSession(input: NewSession): Promise<Session> {
      if (sessions.has(input.sessionID) || erased.has(input.sessionID)) throw new Error(`session ${input.sessionID} exists already`);
      const session = newSessionRecord(input);
      await mkdir(sessionDir(session.sessionID));
      try {
        await Promise.all([syncDirectory(sessionsDir), persist(session, 'full')]);
      } catch (error) {
        // A full disk: no half-made session left behind for the next start-up to trip on.
        await rm(sessionDir(session.sessionID), {recursive: true, force: true}).catch(() => {});
        throw error;
      }
      index.add(session);
      return session;
    },

    async getSession(sessionID: string) {
      return sessions.get(sessionID);
    },

    async listSessions(query: SessionQuery): Promise<Session[]> {
      return index.list(query);
    },

    async countSessions(filter: SessionFilter): Promise<SessionCount> {
      return index.count(filter);
    },

    async addPage(sessionID: string, input: NewPage): Promise<Page> {
      const session = mustGet(sessionID);
      // The ID is taken at once: concurrent handshakes of one session get distinct pages.
      const page: Page = {pageID: session.pages.length + 1, ...input, eventCount: 0};
      session.pages.push(page);
      const made = mkdir(pageDir(sessionID, page.pageID), {recursive: true}).then(() => {});
      // A new page has no batches yet: no need to list its directory.
      const key = `${sessionID}/${page.pageID}`;
      const state: PageState = {seqs: new Set(), ready: made, usedAt: Date.now(), busy: 0, unwritten: new Map()};
      made.catch(() => pageStates.get(key) === state && pageStates.delete(key));
      pageStates.set(key, state);
      try {
        await made;
        // The session record names the page: durable before the handshake is answered.
        await persist(session, 'full');
      } catch (error) {
        // The handshake is refused, so nobody holds this pageID: take it back
        // (unless a later handshake took the next one meanwhile; then it
        // stays, empty). Either way the record is written again later, in
        // case a concurrent write put this page on disk.
        if (session.pages[session.pages.length - 1] === page) {
          session.pages.pop();
          pageStates.delete(key);
        }
        dirty.add(sessionID);
        throw error;
      }
      return page;
    },

    async updateSession(sessionID: string, change: SessionChange): Promise<void> {
      applySessionChange(mustGet(sessionID), change);
      dirty.add(sessionID);
    },

    async putBatch({sessionID, pageID, seq, body, gzip, eventCount, change}: BatchToStore): Promise<'stored' | 'duplicate'> {
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
        // The batch as the tracker sent it: gzip is 8 times fewer bytes to write, twice.
        const encoding: Encoding = gzip ? 'gzip' : 'json';
        const stored = gzip ?? body;
        const appended = journal.append({sessionID, pageID, seq, eventCount, encoding, change, body: stored}).then(({lsn, segment}) => {
          // Durable: from here on the batch is stored, in this order (the journal's).
          state.seqs.add(seq);
          page.eventCount += eventCount;
          if (change) applySessionChange(session, change);
          appliedLsn.set(sessionID, Math.max(lsn, appliedLsn.get(sessionID) ?? 0));
          dirty.add(sessionID);
          const entry: Unwritten = {sessionID, pageID, seq, name: batchFileName(seq, eventCount, encoding), body: stored, encoding, segment, state, written: Promise.resolve(false), queued: false, failed: false};
          unwritten.add(entry);
          state.unwritten.set(seq, entry);
          state.busy++;
          queueWrite(entry);
        });
        batchesInFlight.set(key, appended);
        try {
          await appended;
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
      // Acknowledged, not written yet: from memory. Taken before the listing,
      // so that a batch written meanwhile is in one or the other.
      const inMemory = [...(pageStates.get(`${sessionID}/${pageID}`)?.unwritten.values() ?? [])];
      const bySeq = new Map<number, {file?: string; entry?: Unwritten; encoding: Encoding}>();
      for (const batch of await listBatches(dir)) bySeq.set(batch.seq, {file: join(dir, batch.name), encoding: batch.encoding});
      for (const entry of inMemory) bySeq.set(entry.seq, {entry, encoding: entry.encoding});
      const batches = [...bySeq].sort(([a], [b]) => a - b).map(([, batch]) => batch);
      return (async function* () {
        for (const batch of batches) {
          const bytes = batch.entry ? batch.entry.body : await readFile(batch.file!);
          yield batch.encoding === 'gzip' ? await gunzip(bytes) : bytes;
        }
      })();
    },

    async erase(erasure: Erasure): Promise<string[]> {
      const inScope = (session: Session) => !erasure.projects || erasure.projects.includes(session.projectKey);
      const doomed = ('sessionID' in erasure ? [sessions.get(erasure.sessionID) ?? []].flat() : timeline.filter((session) => session.userID === erasure.userID)).filter(inScope);
      for (const session of doomed) {
        // The tombstone first, durably: a crash before the directory is gone leaves the erasure to finish at start-up.
        await writeFileAtomic(join(erasedDir, session.sessionID), '');
        erased.add(session.sessionID);
        await remove(session);
      }
      // The journal may still hold their batches: a checkpoint drops it. If
      // it cannot run now (a full disk), a later one will, and a restart
      // never replays an erased session.
      if (doomed.length) await checkpoint().catch(reportCheckpointFailure);
      return doomed.map((session) => session.sessionID);
    },

    async isErased(sessionID: string): Promise<boolean> {
      return erased.has(sessionID);
    },

    async removeInactiveSince(time: number, limit: number): Promise<number> {
      const expired = timeline.filter((session) => session.lastActivityAt < time).slice(0, limit);
      for (const session of expired) await remove(session);
      // Their batches may still be in the journal: a checkpoint drops them (as after an erasure).
      if (expired.length) await checkpoint().catch(reportCheckpointFailure);
      return expired.length;
    },

    putLogin: access.putLogin,
    getLogin: access.getLogin,
    takeLogin: access.takeLogin,
    appendAudit: access.appendAudit,
    listAudit: access.listAudit,

    async close(): Promise<void> {
      clearInterval(sweep);
      clearInterval(checkpoints);
      while (batchesInFlight.size) await Promise.allSettled([...batchesInFlight.values()]);
      const checkpointed = await checkpoint().then(
        () => true,
        (error) => {
          log(`could not write everything out at close (${error.message}); the journal keeps it for the next start`);
          return false;
        },
      );
      await journal.close();
      await pageWriter.close();
      await access.close();
      fileSystem.close();
      const written = await Promise.allSettled(index.recordWrites());
      if (checkpointed && journal.isEmpty() && written.every((result) => result.status === 'fulfilled')) await writeFile(cleanMarker, '');
    },
  };
}
