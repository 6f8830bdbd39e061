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
// This file assembles the storage at start-up and closes it; each part is a
// module of its own, and they share state only through the interfaces they
// export:
//
//   fileLayout.ts            the paths above
//   createSessionIndex.ts    the sessions in memory, loaded from their session.json
//                            files at start-up; listing, counting, writing the records
//   createBatchStore.ts      a batch's path: acknowledged once in the journal (group
//                            commit, journal.ts), then written to its page file
//                            (createPageWriter.ts); reads
//   listBatches.ts           a page file's name, and a page's listing
//   createWriteback.ts       what is written made durable: page files a few MiB at a
//                            time, everything at each checkpoint
//   createCheckpointer.ts    the checkpoint: older journal segments deleted once what
//                            they hold is durable elsewhere
//   recoverAfterCrash.ts     start-up after a crash: the journal written out again,
//                            event counts checked against the page files
//   createSessionRemoval.ts  erasure and retention: whole sessions removed
//   createFileAccessStore.ts logins and the audit log
//
// One collector process owns a data directory.
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {applySessionChange} from '../applySessionChange';
import {newSessionRecord} from '../newSessionRecord';
import {syncDirectory} from '../../lib/syncDirectory';
import {openFileSystemSync} from '../../lib/syncFileSystem';
import {createFileAccessStore} from './createFileAccessStore';
import {createBatchStore} from './createBatchStore';
import {createCheckpointer} from './createCheckpointer';
import {createPageWriter} from './createPageWriter';
import {createSessionIndex} from './createSessionIndex';
import {createSessionRemoval} from './createSessionRemoval';
import {createWriteback} from './createWriteback';
import {fileLayout} from './fileLayout';
import {recoverAfterCrash} from './recoverAfterCrash';
import {openJournal, type Journal} from './journal';
import type {NewPage, NewSession, SessionChange, SessionCount, SessionFilter, SessionQuery, Storage} from '../storage';
import type {Page, Session} from '../types';

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

export async function createFileStorage(dataDir: string, options: FileStorageOptions = {}): Promise<Storage> {
  const checkpointMs = options.checkpointMs ?? 2000;
  const log = options.log ?? (() => {});
  const layout = fileLayout(dataDir);
  const {sessionsDir, erasedDir, trashDir, journalDir, cleanMarker, sessionDir} = layout;

  await mkdir(sessionsDir, {recursive: true});
  await mkdir(erasedDir, {recursive: true});
  await rm(trashDir, {recursive: true, force: true});
  await mkdir(trashDir, {recursive: true});
  const erased = new Set(await readdir(erasedDir));
  const cleanStart = await rm(cleanMarker).then(
    () => true,
    () => false,
  );
  // Durable before anything else is written: were the marker to come back
  // after a power cut, stale counts would be trusted.
  await syncDirectory(dataDir);
  const fileSystem = await openFileSystemSync(dataDir);
  const writeback = createWriteback(fileSystem);
  const index = createSessionIndex({layout, erased, writeback, log});
  await index.load();
  const access = await createFileAccessStore(dataDir);
  const nextLsn = await recoverAfterCrash({layout, index, writeback, cleanStart, log});
  const pageWriter = createPageWriter(options.workerUrl ?? null);
  const journal: Journal = await openJournal(journalDir, {
    nextLsn,
    maxSegmentBytes: options.maxSegmentBytes,
    onFull: () => void checkpoint().catch(reportCheckpointFailure),
  });
  const batches = createBatchStore({layout, index, journal, pageWriter, inWorker: Boolean(options.workerUrl), writeback, pageWriteDelayMs: options.pageWriteDelayMs});
  const checkpointer = createCheckpointer({journal, batches, index, writeback, checkpointMs, log});
  const {checkpoint, reportCheckpointFailure} = checkpointer;
  const removal = createSessionRemoval({layout, index, batches, checkpointer});

  const sweep = setInterval(() => batches.forgetIdlePages(), 60_000);
  sweep.unref();
  const checkpoints = setInterval(() => {
    if (!journal.isEmpty() || index.dirty.size) void checkpoint().catch(reportCheckpointFailure);
  }, checkpointMs);
  checkpoints.unref();

  return {
    keepsGzip: true,

    async createSession(input: NewSession): Promise<Session> {
      if (index.sessions.has(input.sessionID) || index.erased.has(input.sessionID)) throw new Error(`session ${input.sessionID} exists already`);
      const session = newSessionRecord(input);
      await mkdir(sessionDir(session.sessionID));
      try {
        await Promise.all([syncDirectory(sessionsDir), index.persist(session, 'full')]);
      } catch (error) {
        // A full disk: no half-made session left behind for the next start-up to trip on.
        await rm(sessionDir(session.sessionID), {recursive: true, force: true}).catch(() => {});
        throw error;
      }
      index.add(session);
      return session;
    },

    async getSession(sessionID: string) {
      return index.sessions.get(sessionID);
    },

    async listSessions(query: SessionQuery): Promise<Session[]> {
      return index.list(query);
    },

    async countSessions(filter: SessionFilter): Promise<SessionCount> {
      return index.count(filter);
    },

    async listAndCount(query: SessionQuery) {
      return index.listAndCount(query);
    },

    async addPage(sessionID: string, input: NewPage): Promise<Page> {
      const session = index.mustGet(sessionID);
      // The ID is taken at once: concurrent handshakes of one session get distinct pages.
      const page: Page = {pageID: session.pages.length + 1, ...input, eventCount: 0};
      session.pages.push(page);
      const made = batches.newPage(sessionID, page.pageID);
      try {
        await made;
        // The session record names the page: durable before the handshake is answered.
        await index.persist(session, 'full');
      } catch (error) {
        // The handshake is refused, so nobody holds this pageID: take it back
        // (unless a later handshake took the next one meanwhile; then it
        // stays, empty). Either way the record is written again later, in
        // case a concurrent write put this page on disk.
        if (session.pages[session.pages.length - 1] === page) {
          session.pages.pop();
          batches.dropPage(sessionID, page.pageID);
        }
        index.dirty.add(sessionID);
        throw error;
      }
      return page;
    },

    async updateSession(sessionID: string, change: SessionChange): Promise<void> {
      applySessionChange(index.mustGet(sessionID), change);
      index.dirty.add(sessionID);
    },

    putBatch: batches.putBatch,
    readPageBatches: batches.readPageBatches,

    erase: removal.erase,

    async isErased(sessionID: string): Promise<boolean> {
      return index.erased.has(sessionID);
    },

    removeInactiveSince: removal.removeInactiveSince,

    putLogin: access.putLogin,
    getLogin: access.getLogin,
    takeLogin: access.takeLogin,
    appendAudit: access.appendAudit,
    listAudit: access.listAudit,

    async close(): Promise<void> {
      clearInterval(sweep);
      clearInterval(checkpoints);
      await batches.settleAppends();
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
