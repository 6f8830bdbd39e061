// Where sessions and their events are kept. Handlers only talk to this
// interface; `fileStorage.ts` is the embedded default, and another backend
// (a database, an object store) implements the same few methods.
//
// Sessions handed out are the backend's own records: read them, never change
// them; every change goes through `updateSession` (or `addPage`/`putBatch`).
import type {Page, RecordedEvent, Session} from './types';

/** What a backend fills in itself when a session is created (counts at 0, lists empty). */
type Computed = 'pages' | 'lastActivityAt' | 'firstEventAt' | 'lastEventAt' | 'customEventCount' | 'vitals'
  | 'errorCount' | 'consoleErrorCount' | 'failedRequestCount' | 'urls' | 'eventNames'
  | 'rageClickCount' | 'deadClickCount' | 'errorClickCount' | 'trigger';

export type NewSession = Omit<Session, Computed>;

export type NewPage = Omit<Page, 'pageID' | 'eventCount'>;

export interface SessionQuery {
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
  /** Only sessions that started strictly before this time (ms), for paging. */
  before?: number;
  limit: number;
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
  /** The batch as a JSON array of events, already checked. */
  body: Buffer;
  eventCount: number;
}

export interface Storage {
  /** Resolves once the session is stored durably. */
  createSession(session: NewSession): Promise<Session>;
  getSession(sessionID: string): Promise<Session | undefined>;
  /** Newest first, by startedAt. Answered without reading any event. */
  listSessions(query: SessionQuery): Promise<Session[]>;
  /** Adds the next page (pageID 1, 2, 3…); resolves once stored durably. */
  addPage(sessionID: string, page: NewPage): Promise<Page>;
  /** Applies at once; may be persisted a little later (close() writes it). */
  updateSession(sessionID: string, change: SessionChange): Promise<void>;
  /**
   * Stores one batch durably, once per (page, seq): 'duplicate' when that
   * batch is already stored (or being stored by a concurrent request).
   * Also adds the batch's events to the page's eventCount.
   */
  putBatch(batch: BatchToStore): Promise<'stored' | 'duplicate'>;
  /** The page's events, batch after batch in seq order. */
  readPageEvents(sessionID: string, pageID: number): Promise<RecordedEvent[]>;
  /** Waits for writes in progress and persists everything held back. */
  close(): Promise<void>;
}
