// Where sessions and their events are kept. Handlers only talk to this
// interface. Two backends implement it:
//   file/createFileStorage.ts          the embedded default: files under the data directory
//   postgres/createPostgresStorage.ts  PostgreSQL for the index, an S3-compatible store (s3/)
//                                      for batch bodies: any number of collectors share them
// openStorage.ts picks one from the command line; test/conformance.ts holds
// the behaviour both must show.
//
// Besides sessions, a backend keeps what the read side's access needs to
// share between collectors: viewers' login sessions and one-time login links
// (by the hash of their secret), and the audit log (../access/).
//
// A backend that cannot store right now throws StorageUnavailable
// (lib/storageUnavailable.ts); a batch or page for a session erased
// meanwhile throws SessionErased.
//
// Sessions handed out are the backend's own records: read them, never change
// them; every change goes through `updateSession` (or `addPage`/`putBatch`).
import type {Page, Session} from './types';

/** What a backend fills in itself when a session is created (counts at 0, lists empty). */
type Computed = 'pages' | 'lastActivityAt' | 'firstEventAt' | 'lastEventAt' | 'customEventCount' | 'vitals'
  | 'errorCount' | 'consoleErrorCount' | 'failedRequestCount' | 'urls' | 'eventNames'
  | 'rageClickCount' | 'deadClickCount' | 'errorClickCount' | 'trigger';

export type NewSession = Omit<Session, Computed>;

export type NewPage = Omit<Page, 'pageID' | 'eventCount'>;

/** Which sessions a listing or a count is about. */
export interface SessionFilter {
  /** Exact match. */
  userID?: string;
  /** Every [key, value] must match the session's metadata exactly. */
  meta?: Array<[string, string]>;
  /** Only sessions with an error, a console error or a failed request. */
  hasErrors?: boolean;
  /** Only sessions with a rage, dead or error click. */
  frustrated?: boolean;
  /** Only sessions that visited a URL containing this, ignoring case. */
  url?: string;
  /** Only sessions with a `tracker.event` of this exact name. */
  event?: string;
  /** Only sessions of these projects (an access key limited to them). */
  projects?: string[];
}

/**
 * A place in the listing's order (newest first: startedAt descending, then
 * sessionID descending): the last session a page showed.
 */
export interface SessionCursor {
  startedAt: number;
  sessionID: string;
}

export interface SessionQuery extends SessionFilter {
  /** Only sessions that started strictly before this time (ms): paging as older clients do it (see read/handleListSessions.ts). */
  before?: number;
  /** Only sessions after this one in the listing's order: exact paging, also among sessions of the same millisecond. */
  cursor?: SessionCursor;
  limit: number;
}

/** Up to this many matching sessions are counted exactly; past it a backend may estimate. */
export const EXACT_COUNT_LIMIT = 10_000;

/** How many sessions match a filter: `exact`, or an estimate (past EXACT_COUNT_LIMIT, or below it when counting was not worth its time: see CountOptions). */
export interface SessionCount {
  value: number;
  exact: boolean;
}

/**
 * `patient`: exact up to EXACT_COUNT_LIMIT even where counting takes longer
 * than the listing (seconds at most: past that, still an estimate). Without
 * it, a backend may estimate a count it cannot make in about the listing's
 * time, also below the limit, and says so.
 */
export interface CountOptions {
  patient?: boolean;
}

/** What a handshake or a batch changes in a session; see `applySessionChange`. */
export interface SessionChange {
  userID?: string;
  /** Merged into the session's metadata. */
  metadata?: Record<string, string>;
  /** Merged into the session's vitals: the latest value per name wins. */
  vitals?: Record<string, {value: number; rating: string}>;
  /** Added to the session's custom event count. */
  customEvents?: number;
  /** Added to the session's error, console error and failed request counts. */
  errors?: number;
  consoleErrors?: number;
  failedRequests?: number;
  /** Added to the session's rage, dead and error click counts. */
  rageClicks?: number;
  deadClicks?: number;
  errorClicks?: number;
  /** Marks a record-on-error session (a `tracker.trigger` event arrived). */
  trigger?: string;
  /** URLs visited (page loads, rrweb Meta events, navigations): the new ones are added. */
  urls?: string[];
  /** `tracker.event` names seen: the new ones are added. */
  eventNames?: string[];
  /** Widen the session's event time range. */
  firstEventAt?: number;
  lastEventAt?: number;
  /** Server time of this activity. */
  activeAt?: number;
}

export interface BatchToStore {
  sessionID: string;
  pageID: number;
  seq: number;
  /**
   * The batch as a JSON array of events, already checked. Empty when `gzip`
   * is given to a backend that keeps gzip (`Storage.keepsGzip`): nobody
   * inflates a batch only to throw the JSON away.
   */
  body: Buffer;
  /**
   * The same batch gzipped, as the tracker sent it, when it came gzipped: a
   * backend may keep these bytes instead of `body` (8 times fewer), and
   * inflate them when the page is read.
   */
  gzip?: Buffer;
  /** Bytes of the JSON array (inflated), for metrics; default `body.length`. */
  jsonBytes?: number;
  eventCount: number;
  /** What the batch changes in its session: applied once, with the batch, only when it is stored (not for a duplicate). */
  change?: SessionChange;
}

/** Which sessions an erasure removes; `projects` limits it to those projects' sessions. */
export type Erasure = {sessionID: string; projects?: string[]} | {userID: string; projects?: string[]};

/** A viewer's login session, or a one-time login link (access/createAccess.ts). */
export interface StoredLogin {
  /** SHA-256 of its secret id, hex: a copy of the store opens no login. */
  idHash: string;
  kind: 'session' | 'link';
  /** The access key it acts as: removing the key ends its logins. */
  keyName: string;
  createdAt: number;
  expiresAt: number;
}

/** What the audit log records (written by access/createAccess.ts). Never event content. */
export interface AuditEntry {
  /** Server time, ms. */
  at: number;
  /** The access key's name; null for a failed login (nobody yet). */
  actor: string | null;
  action: string;
  /** The client's address (behind trusted proxies, the forwarded one). */
  address: string;
  sessionID?: string;
  userID?: string;
  projectKey?: string;
  /** A short sentence: what was erased, why a login failed. */
  detail?: string;
}

export interface AuditQuery {
  /** Only entries strictly before this time (ms), for paging. */
  before?: number;
  /** Only entries about this session. */
  sessionID?: string;
  limit: number;
}

/** Thrown when a session was erased while a request for it was under way: it is not brought back. */
export class SessionErased extends Error {
  constructor(readonly sessionID: string) {
    super(`session ${sessionID} was erased`);
  }
}

/** Thrown when a session was removed by retention while a request for it was under way (answered 401: the tracker starts a new session). */
export class SessionGone extends Error {
  constructor(readonly sessionID: string) {
    super(`session ${sessionID} was removed`);
  }
}

/** What a batch is checked against (`Storage.sessionForBatch`). */
export type BatchSession = Pick<Session, 'sessionID' | 'projectKey' | 'assistOnly' | 'pages'>;

export interface Storage {
  /** The backend stores a batch's `gzip` when it has one, and then needs no `body`. */
  readonly keepsGzip?: boolean;
  /** Resolves once the session is stored durably. */
  createSession(session: NewSession): Promise<Session>;
  getSession(sessionID: string): Promise<Session | undefined>;
  /**
   * The session a batch for this page is checked against: its project,
   * assist-only flag and pages, nothing else. A backend may answer from a
   * cache (these never change, but for pages added: a cached record without
   * this page is read again), because putBatch finds out for itself that the
   * session was erased or removed meanwhile. Without it, getSession.
   */
  sessionForBatch?(sessionID: string, pageID: number): Promise<BatchSession | undefined>;
  /** Newest first, by startedAt then sessionID (both descending). Answered without reading any event. */
  listSessions(query: SessionQuery): Promise<Session[]>;
  /** How many sessions match: exact up to EXACT_COUNT_LIMIT at least where counting is quick, or `patient`. Answered without reading any event. */
  countSessions(filter: SessionFilter, options?: CountOptions): Promise<SessionCount>;
  /**
   * listSessions and an exact countSessions of the same filter (the cursor
   * aside), at once: for a backend that lists and counts by passing over its
   * sessions in memory, on the one thread, in one pass (handleListSessions.ts).
   */
  listAndCount?(query: SessionQuery): Promise<{sessions: Session[]; count: SessionCount}>;
  /** Adds the next page (pageID 1, 2, 3…); resolves once stored durably. */
  addPage(sessionID: string, page: NewPage): Promise<Page>;
  /**
   * Applies at once; may be persisted a little later (close() writes it).
   * Throws SessionErased if the session was erased, SessionGone if removed.
   */
  updateSession(sessionID: string, change: SessionChange): Promise<void>;
  /**
   * Stores one batch durably, once per (page, seq): 'duplicate' when that
   * batch is already stored (or being stored by a concurrent request).
   * Also adds the batch's events to the page's eventCount, and applies its
   * `change`. Throws SessionErased if the session is gone.
   */
  putBatch(batch: BatchToStore): Promise<'stored' | 'duplicate'>;
  /**
   * The page's batches in seq order, each the JSON array of events as stored.
   * Resolves once the list of batches is known (so "cannot read" is an error
   * before any answer is sent); each body is read only when iterated to, so
   * a page of any length streams in bounded memory.
   */
  readPageBatches(sessionID: string, pageID: number): Promise<AsyncIterable<Buffer>>;
  /**
   * Removes sessions, their pages and every stored batch for good, and
   * remembers their IDs so that a batch arriving later is refused
   * (`isErased`). Resolves with the IDs removed.
   */
  erase(erasure: Erasure): Promise<string[]>;
  /** Whether the session was erased (not merely unknown). */
  isErased(sessionID: string): Promise<boolean>;
  /**
   * Retention: removes at most `limit` sessions whose last activity is
   * before `time` (ms), and resolves with how many; the caller repeats
   * while it gets `limit`.
   */
  removeInactiveSince(time: number, limit: number): Promise<number>;
  /** Stores a login session or login link; resolves once durable. */
  putLogin(login: StoredLogin): Promise<void>;
  /** The login with this id hash, unless expired (at `now`) or removed. */
  getLogin(idHash: string, now: number): Promise<StoredLogin | undefined>;
  /** Removes the login and answers what it was: of callers racing, on any collector, one gets it (a one-time link). */
  takeLogin(idHash: string): Promise<StoredLogin | undefined>;
  /** Appends to the audit log; resolves once durable. Nothing else removes entries: an erasure keeps those that prove it. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Waits for writes in progress and persists everything held back. */
  close(): Promise<void>;
}
