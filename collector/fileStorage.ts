// Sessions as files on local disk, needing no other service.
//
//   DIR/sessions/<sessionID>/session.json            the session's record (pages without counts)
//   DIR/sessions/<sessionID>/<pageID>/<seq>.<n>.json a batch of n events, seq zero-padded
//
// A batch is written to a temporary name, fsynced, then renamed: a crash never
// leaves half a batch under a final name, and temporary leftovers are removed
// at start-up. Event counts live in the batch names, so they survive a crash
// that happened before session.json was rewritten. The index of sessions is
// in memory, loaded from session.json files and directory listings (never
// from event files).
import {mkdir, open, readFile, readdir, rename, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import type {PageRecord, SessionFilter, SessionRecord, Storage, StoredBatch} from './storage';

const BATCH_NAME = /^(\d{10})\.(\d+)\.json$/;
const TEMP_PREFIX = '.tmp-';
const METADATA_DEBOUNCE_MS = 500;

async function writeAtomically(path: string, text: string, sync: boolean): Promise<void> {
  const temporary = join(path, '..', `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(text);
    if (sync) await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

// fsync of a directory makes its renames durable. Renames that land while one
// sync runs share the next one, so a busy page costs one directory sync per
// round, not one per batch.
function createDirectorySyncer() {
  const state = new Map<string, {running: Promise<void> | null; queued: Promise<void> | null}>();
  const syncNow = async (dir: string) => {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  return function syncDirectory(dir: string): Promise<void> {
    const entry = state.get(dir) ?? {running: null, queued: null};
    state.set(dir, entry);
    if (!entry.running) {
      entry.running = syncNow(dir).finally(() => {
        entry.running = null;
        if (!entry.queued) state.delete(dir);
      });
      return entry.running;
    }
    entry.queued ??= entry.running.then(() => {
      entry.queued = null;
      entry.running = syncNow(dir).finally(() => {
        entry.running = null;
        if (!entry.queued) state.delete(dir);
      });
      return entry.running;
    });
    return entry.queued;
  };
}

interface PageState {
  seqs: Set<number>;
  writing: Map<number, Promise<StoredBatch>>;
}

export function createFileStorage(dataDir: string, options: {sync?: boolean} = {}): Storage {
  const sync = options.sync !== false;
  const root = join(dataDir, 'sessions');
  const sessions = new Map<string, SessionRecord>();
  // Newest first, for listing without sorting 10,000 sessions each time.
  let ordered: SessionRecord[] = [];
  let orderDirty = false;
  const pageStates = new Map<string, PageState>();
  const dirty = new Set<SessionRecord>();
  let flushTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();
  const syncDirectory = createDirectorySyncer();

  const sessionDir = (sessionID: string) => join(root, sessionID);
  const pageDir = (sessionID: string, pageID: number) => join(root, sessionID, String(pageID));
  const pageKey = (sessionID: string, pageID: number) => `${sessionID}/${pageID}`;

  function pageState(sessionID: string, pageID: number): PageState {
    const key = pageKey(sessionID, pageID);
    let state = pageStates.get(key);
    if (!state) pageStates.set(key, (state = {seqs: new Set(), writing: new Map()}));
    return state;
  }

  function sessionFileText(session: SessionRecord): string {
    return JSON.stringify(session);
  }

  function flushDirty(): Promise<void> {
    flushTimer = null;
    const batch = [...dirty];
    dirty.clear();
    flushing = flushing.then(() =>
      Promise.all(batch.map((session) => writeAtomically(join(sessionDir(session.sessionID), 'session.json'), sessionFileText(session), false))).then(
        () => undefined,
      ),
    );
    return flushing;
  }

  async function loadSession(sessionID: string): Promise<void> {
    const dir = sessionDir(sessionID);
    let session: SessionRecord;
    try {
      session = JSON.parse(await readFile(join(dir, 'session.json'), 'utf8'));
    } catch {
      return; // Not a session (or written by nothing we know): skip it.
    }
    for (const page of session.pages) {
      const state = pageState(sessionID, page.pageID);
      page.eventCount = 0;
      let names: string[] = [];
      try {
        names = await readdir(pageDir(sessionID, page.pageID));
      } catch {
        // A page with no batch yet.
      }
      for (const name of names) {
        if (name.startsWith(TEMP_PREFIX)) {
          await rm(join(pageDir(sessionID, page.pageID), name), {force: true});
          continue;
        }
        const match = BATCH_NAME.exec(name);
        if (!match) continue;
        state.seqs.add(Number(match[1]));
        page.eventCount += Number(match[2]);
      }
    }
    sessions.set(sessionID, session);
  }

  function sortedSessions(): SessionRecord[] {
    if (orderDirty) {
      ordered = [...sessions.values()].sort((a, b) => b.startedAt - a.startedAt || (a.sessionID < b.sessionID ? 1 : -1));
      orderDirty = false;
    }
    return ordered;
  }

  return {
    async open() {
      await mkdir(root, {recursive: true});
      const ids = await readdir(root);
      // Bounded parallelism: fast with 10,000 sessions, gentle on file handles.
      for (let i = 0; i < ids.length; i += 64) {
        await Promise.all(ids.slice(i, i + 64).map(loadSession));
      }
      orderDirty = true;
    },

    async createSession(fields) {
      const session: SessionRecord = {...fields, pages: []};
      await mkdir(sessionDir(session.sessionID), {recursive: true});
      await writeAtomically(join(sessionDir(session.sessionID), 'session.json'), sessionFileText(session), sync);
      sessions.set(session.sessionID, session);
      orderDirty = true;
      return session;
    },

    getSession: (sessionID) => sessions.get(sessionID) ?? null,

    async addPage(sessionID, url, startedAt) {
      const session = sessions.get(sessionID);
      if (!session) throw new Error(`no session ${sessionID}`);
      const page: PageRecord = {pageID: session.pages.length + 1, url, startedAt, eventCount: 0};
      session.pages.push(page);
      await mkdir(pageDir(sessionID, page.pageID), {recursive: true});
      await writeAtomically(join(sessionDir(sessionID), 'session.json'), sessionFileText(session), sync);
      return page;
    },

    touch(session) {
      dirty.add(session);
      flushTimer ??= setTimeout(flushDirty, METADATA_DEBOUNCE_MS);
    },

    listSessions(filter) {
      const found: SessionRecord[] = [];
      for (const session of sortedSessions()) {
        if (filter.before !== undefined && session.startedAt >= filter.before) continue;
        if (filter.userID !== undefined && session.userID !== filter.userID) continue;
        if (filter.meta && session.metadata[filter.meta.key] !== filter.meta.value) continue;
        found.push(session);
        if (found.length >= filter.limit) break;
      }
      return found;
    },

    putBatch(sessionID, pageID, seq, eventCount, json) {
      const session = sessions.get(sessionID);
      const page = session?.pages.find((p) => p.pageID === pageID);
      if (!session || !page) return Promise.reject(new Error(`no page ${pageID} in session ${sessionID}`));
      const state = pageState(sessionID, pageID);
      if (state.seqs.has(seq)) return Promise.resolve({duplicate: true});
      // The same batch twice at once (a retry racing its original): store once.
      const inProgress = state.writing.get(seq);
      if (inProgress) return inProgress.then(() => ({duplicate: true}));
      const dir = pageDir(sessionID, pageID);
      const name = `${String(seq).padStart(10, '0')}.${eventCount}.json`;
      const writing = (async (): Promise<StoredBatch> => {
        await writeAtomically(join(dir, name), json, sync);
        if (sync) await syncDirectory(dir);
        state.seqs.add(seq);
        page.eventCount += eventCount;
        return {duplicate: false};
      })().finally(() => state.writing.delete(seq));
      state.writing.set(seq, writing);
      return writing;
    },

    async readPageEvents(sessionID, pageID) {
      let names: string[] = [];
      try {
        names = await readdir(pageDir(sessionID, pageID));
      } catch {
        return '[]';
      }
      const batches = names.filter((name) => BATCH_NAME.test(name)).sort();
      const parts: string[] = [];
      for (const name of batches) {
        const text = (await readFile(join(pageDir(sessionID, pageID), name), 'utf8')).trim();
        // Each file is a JSON array: splice the arrays' insides together.
        const inner = text.slice(1, -1).trim();
        if (inner) parts.push(inner);
      }
      return `[${parts.join(',')}]`;
    },

    async close() {
      if (flushTimer) clearTimeout(flushTimer);
      await flushDirty();
    },
  };
}
