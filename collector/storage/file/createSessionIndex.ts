// The file storage's session index: every session held in memory (that is
// what /api/sessions answers from), loaded at start-up from the
// session.json files alone, and written back to them.
//
// A handshake writes its session.json durably before it is answered; the
// changes batches bring (event counts, identity, vitals, what went wrong)
// are in the journal with their batch, and written to session.json at the
// next checkpoint (`persistDirty`). Changes of a handshake to an existing
// session (`updateSession`) wait for the next checkpoint too (at most
// `checkpointMs`). A record carries the LSN of the last journal record it
// includes (`journalLsn`), so that recovery after a crash applies to it
// only what it does not hold yet.
import {readdir, readFile, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {withSummaryDefaults} from '../applySessionChange';
import {sessionMatcher} from '../sessionMatches';
import {writeFileAtomic, type Durability} from '../../lib/writeFileAtomic';
import {SessionErased, SessionGone, type SessionCount, type SessionCursor, type SessionFilter, type SessionQuery} from '../storage';
import type {Session} from '../types';
import type {Writeback} from './createWriteback';
import {SESSION_FILE, type FileLayout} from './fileLayout';
import {forEachConcurrently} from './forEachConcurrently';

/** Session directories read or written at once at start-up. */
export const LOAD_CONCURRENCY = 32;

export interface SessionIndex {
  /** Every session kept, by ID. */
  readonly sessions: Map<string, Session>;
  /** Every session, oldest first: listing walks it backwards. */
  readonly timeline: Session[];
  /** Sessions erased (a tombstone each in erased/): never made or brought back again. */
  readonly erased: Set<string>;
  /** Sessions changed since their session.json was last written. */
  readonly dirty: Set<string>;
  /** By session: the LSN of the last journal record applied to it (what its session.json then holds). */
  readonly appliedLsn: Map<string, number>;
  /** Reads every session.json (start-up); finishes erasures a crash interrupted. */
  load(): Promise<void>;
  /** A new session, its record written. */
  add(session: Session): void;
  /** The session, or SessionErased / SessionGone. */
  mustGet(sessionID: string): Session;
  /** Out of memory at once: nothing reads or writes it from now on. */
  forget(session: Session): void;
  list(query: SessionQuery): Session[];
  count(filter: SessionFilter): SessionCount;
  /** The page and how many sessions match, in one pass. */
  listAndCount(query: SessionQuery): {sessions: Session[]; count: SessionCount};
  /** Writes the session's record; one write at a time per session. */
  persist(session: Session, durability: Durability): Promise<void>;
  /** Writes every changed session record, `lanes` at a time; a failure leaves it changed for the next try. */
  persistDirty(durability: Durability, lanes: number): Promise<void>;
  /** The write of the session's record under way, if any. */
  recordWrite(sessionID: string): Promise<void> | undefined;
  /** Every write of a record under way. */
  recordWrites(): Promise<void>[];
}

interface IndexParts {
  layout: FileLayout;
  /** The tombstones found in erased/ at start-up. */
  erased: Set<string>;
  writeback: Writeback;
  log: (line: string) => void;
}

const byStartedAt = (a: SessionCursor, b: SessionCursor) => a.startedAt - b.startedAt || (a.sessionID < b.sessionID ? -1 : a.sessionID > b.sessionID ? 1 : 0);

export function createSessionIndex({layout, erased, writeback, log}: IndexParts): SessionIndex {
  const {sessionsDir, sessionDir} = layout;
  const sessions = new Map<string, Session>();
  const timeline: Session[] = [];
  const dirty = new Set<string>();
  const appliedLsn = new Map<string, number>();
  const metadataWrites = new Map<string, Promise<void>>();

  async function load(): Promise<void> {
    const names = await readdir(sessionsDir);
    let unreadable = 0;
    await forEachConcurrently(names, LOAD_CONCURRENCY, async (name) => {
      if (erased.has(name)) {
        // An erasure interrupted by a crash: finish it.
        await rm(sessionDir(name), {recursive: true, force: true});
        return;
      }
      let session: Session & {journalLsn?: number};
      try {
        session = JSON.parse(await readFile(join(sessionsDir, name, SESSION_FILE), 'utf8'));
        if (typeof session.sessionID !== 'string' || !Array.isArray(session.pages)) throw new Error('not a session');
        withSummaryDefaults(session);
      } catch {
        unreadable++;
        return;
      }
      if (typeof session.journalLsn === 'number') appliedLsn.set(session.sessionID, session.journalLsn);
      delete session.journalLsn;
      sessions.set(session.sessionID, session);
      timeline.push(session);
    });
    timeline.sort(byStartedAt);
    log(`${sessions.size} sessions loaded from ${sessionsDir}`);
    if (unreadable) log(`${unreadable} entries in ${sessionsDir} have no readable ${SESSION_FILE} and were left out`);
  }

  function add(session: Session): void {
    sessions.set(session.sessionID, session);
    insertInTimeline(timeline, session);
  }

  function mustGet(sessionID: string): Session {
    const session = sessions.get(sessionID);
    if (!session && erased.has(sessionID)) throw new SessionErased(sessionID);
    // Removed by retention (or never here): the handshake starts a new one, a batch gets 401.
    if (!session) throw new SessionGone(sessionID);
    return session;
  }

  function forget(session: Session): void {
    const id = session.sessionID;
    sessions.delete(id);
    timeline.splice(timeline.indexOf(session), 1);
    dirty.delete(id);
    appliedLsn.delete(id);
  }

  /** Where the page ends in the timeline: before the cursor's place (or `before`), or at its end. */
  function pageEnd(query: SessionQuery): number {
    let end = timeline.length;
    if (query.before !== undefined) end = firstStartedAtOrAfter(timeline, query.before);
    if (query.cursor) end = Math.min(end, firstAtOrAfter(timeline, query.cursor));
    return end;
  }

  function list(query: SessionQuery): Session[] {
    const matches = sessionMatcher(query);
    const found: Session[] = [];
    for (let i = pageEnd(query) - 1; i >= 0 && found.length < query.limit; i--) {
      if (matches(timeline[i])) found.push(timeline[i]);
    }
    return found;
  }

  // Every session is in memory: counted exactly, however many match.
  function count(filter: SessionFilter): SessionCount {
    const matches = sessionMatcher(filter);
    let value = 0;
    for (const session of timeline) if (matches(session)) value++;
    return {value, exact: true};
  }

  // The count's pass over every session fills the page as it goes (the
  // count takes no cursor): a page that stopped part way through, and a
  // count after it, went over those sessions twice.
  function listAndCount(query: SessionQuery): {sessions: Session[]; count: SessionCount} {
    const matches = sessionMatcher(query);
    const end = pageEnd(query);
    const found: Session[] = [];
    let value = 0;
    for (let i = timeline.length - 1; i >= 0; i--) {
      if (!matches(timeline[i])) continue;
      value++;
      if (i < end && found.length < query.limit) found.push(timeline[i]);
    }
    return {sessions: found, count: {value, exact: true}};
  }

  function persist(session: Session, durability: Durability): Promise<void> {
    // One write at a time per session, each with the record as it is when it runs.
    const previous = metadataWrites.get(session.sessionID) ?? Promise.resolve();
    const write = previous
      .catch(() => {})
      .then(() => {
        const record = JSON.stringify({...session, journalLsn: appliedLsn.get(session.sessionID) ?? 0});
        return writeFileAtomic(join(sessionDir(session.sessionID), SESSION_FILE), record, durability);
      });
    metadataWrites.set(session.sessionID, write);
    const forgetWrite = () => {
      if (metadataWrites.get(session.sessionID) === write) metadataWrites.delete(session.sessionID);
    };
    write.then(forgetWrite, forgetWrite);
    return write;
  }

  async function persistDirty(durability: Durability, lanes: number): Promise<void> {
    const due = [...dirty].flatMap((id) => sessions.get(id) ?? []);
    dirty.clear();
    let failure: unknown = null;
    const lane = async () => {
      for (let session = due.shift(); session; session = due.shift()) {
        const {sessionID} = session;
        await persist(session, durability).then(
          () => writeback.rememberWritten(null, sessionDir(sessionID)),
          (error) => {
            failure ??= error;
            if (sessions.has(sessionID)) dirty.add(sessionID);
          },
        );
      }
    };
    await Promise.all(Array.from({length: lanes}, lane));
    if (failure) throw failure;
  }

  return {
    sessions,
    timeline,
    erased,
    dirty,
    appliedLsn,
    load,
    add,
    mustGet,
    forget,
    list,
    count,
    listAndCount,
    persist,
    persistDirty,
    recordWrite: (sessionID) => metadataWrites.get(sessionID),
    recordWrites: () => [...metadataWrites.values()],
  };
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

/** The first session at or after the cursor's place, in the timeline's order (oldest first). */
function firstAtOrAfter(timeline: Session[], cursor: SessionCursor): number {
  let low = 0;
  let high = timeline.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byStartedAt(timeline[mid], cursor) < 0) low = mid + 1;
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
