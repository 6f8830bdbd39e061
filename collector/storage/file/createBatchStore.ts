// The file storage's batch path: a batch is appended to the journal,
// acknowledged, then written to its page file; reads take it from memory
// until that is done.
//
// **A batch** is acknowledged once it is in the journal: batches that arrive
// together are appended with one write and made durable with one fdatasync
// (group commit, journal.ts), instead of two fsyncs each. Its page file is
// written right after, off the acknowledgement path, to a temporary `*.tmp`
// name renamed into place (a page file is whole or absent), without an fsync
// of its own (createPageWriter.ts; createWriteback.ts makes it durable);
// until it is written, the page's reads take the batch from memory.
//
// Which batches a page already has is learnt from its directory listing the
// first time the page receives a batch, then kept in memory while the page is
// active.
import {mkdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {gunzip as gunzipCallback} from 'node:zlib';
import {applySessionChange} from '../applySessionChange';
import type {BatchToStore} from '../storage';
import type {PageWriter} from './createPageWriter';
import type {SessionIndex} from './createSessionIndex';
import type {Writeback} from './createWriteback';
import type {FileLayout} from './fileLayout';
import type {Journal} from './journal';
import {batchFileName, listBatches, type Encoding} from './listBatches';

const gunzip = promisify(gunzipCallback);

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

export interface BatchStore {
  putBatch(batch: BatchToStore): Promise<'stored' | 'duplicate'>;
  readPageBatches(sessionID: string, pageID: number): Promise<AsyncIterable<Buffer>>;
  /** Makes a new page's directory: a page with no batches yet, known without listing it. */
  newPage(sessionID: string, pageID: number): Promise<void>;
  /** Forgets a new page whose handshake failed. */
  dropPage(sessionID: string, pageID: number): void;
  /** Drops the lists of stored seqs of pages idle for a while. */
  forgetIdlePages(): void;
  /** Forgets a removed session's pages; returns its appends under way. */
  forgetSession(sessionID: string): Promise<void>[];
  /** Drops a removed session's batches not yet written, once a write under way has ended. */
  dropUnwritten(sessionID: string): Promise<void>;
  /** Resolves once every batch of these journal segments is in its page file (failed writes tried again). */
  writeOut(segments: Set<number>): Promise<void>;
  /** Resolves once no append is under way. */
  settleAppends(): Promise<void>;
}

interface BatchParts {
  layout: FileLayout;
  index: SessionIndex;
  journal: Journal;
  pageWriter: PageWriter;
  /** The page writer writes in a worker thread. */
  inWorker: boolean;
  writeback: Writeback;
  /** For crash tests only (FileStorageOptions). */
  pageWriteDelayMs?: number;
}

export function createBatchStore({layout, index, journal, pageWriter, inWorker, writeback, pageWriteDelayMs}: BatchParts): BatchStore {
  const {pageDir} = layout;
  const {sessions, dirty, appliedLsn, mustGet} = index;
  const writeConcurrency = inWorker ? WRITE_CONCURRENCY.worker : WRITE_CONCURRENCY.inline;
  const pageStates = new Map<string, PageState>();
  const batchesInFlight = new Map<string, Promise<void>>();
  const unwritten = new Set<Unwritten>();
  const writeQueue: Array<{entry: Unwritten; settle(written: boolean): void}> = [];
  let writesRunning = 0;

  async function putBatch({sessionID, pageID, seq, body, gzip, eventCount, change}: BatchToStore): Promise<'stored' | 'duplicate'> {
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
  }

  async function readPageBatches(sessionID: string, pageID: number): Promise<AsyncIterable<Buffer>> {
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
  }

  function newPage(sessionID: string, pageID: number): Promise<void> {
    const made = mkdir(pageDir(sessionID, pageID), {recursive: true}).then(() => {});
    // A new page has no batches yet: no need to list its directory.
    const key = `${sessionID}/${pageID}`;
    const state: PageState = {seqs: new Set(), ready: made, usedAt: Date.now(), busy: 0, unwritten: new Map()};
    made.catch(() => pageStates.get(key) === state && pageStates.delete(key));
    pageStates.set(key, state);
    return made;
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
    if (pageWriteDelayMs) await new Promise((resolve) => setTimeout(resolve, pageWriteDelayMs));
    // Removed meanwhile (erasure, retention): nothing to write.
    if (!unwritten.has(entry)) return true;
    const dir = pageDir(entry.sessionID, entry.pageID);
    try {
      await pageWriter.write(join(dir, entry.name), entry.body);
    } catch {
      entry.failed = true;
      return false;
    }
    writeback.rememberWritten(join(dir, entry.name), dir);
    writeback.writeBack(entry.body.length);
    entry.failed = false;
    forgetUnwritten(entry);
    return true;
  }

  function forgetUnwritten(entry: Unwritten): void {
    if (!unwritten.delete(entry)) return;
    if (entry.state.unwritten.get(entry.seq) === entry) entry.state.unwritten.delete(entry.seq);
    entry.state.busy--;
  }

  async function writeOut(segments: Set<number>): Promise<void> {
    for (;;) {
      const due = [...unwritten].filter((entry) => segments.has(entry.segment));
      if (!due.length) break;
      for (const entry of due) {
        if (entry.failed && !entry.queued) queueWrite(entry);
      }
      const results = await Promise.all(due.map((entry) => entry.written));
      if (results.includes(false)) throw new Error('page files could not be written (is the disk full?)');
    }
  }

  function forgetSession(sessionID: string): Promise<void>[] {
    for (const key of pageStates.keys()) if (key.startsWith(`${sessionID}/`)) pageStates.delete(key);
    return [...batchesInFlight].filter(([key]) => key.startsWith(`${sessionID}/`)).map(([, write]) => write);
  }

  async function dropUnwritten(sessionID: string): Promise<void> {
    const mine = [...unwritten].filter((entry) => entry.sessionID === sessionID);
    for (const entry of mine) forgetUnwritten(entry);
    await Promise.allSettled(mine.map((entry) => entry.written));
  }

  return {
    putBatch,
    readPageBatches,
    newPage,
    dropPage: (sessionID, pageID) => void pageStates.delete(`${sessionID}/${pageID}`),
    forgetIdlePages() {
      const idleSince = Date.now() - PAGE_STATE_IDLE_MS;
      for (const [key, state] of pageStates) if (!state.busy && state.usedAt < idleSince) pageStates.delete(key);
    },
    forgetSession,
    dropUnwritten,
    writeOut,
    async settleAppends() {
      while (batchesInFlight.size) await Promise.allSettled([...batchesInFlight.values()]);
    },
  };
}
