// What the viewer reads from the collector's read API (SPEC sections 3 and 5),
// and the payloads of the tracker's custom events it shows.
// The payloads are the tracker's own types: one definition of the wire contract.
import type {ErrorPayload} from '../../bundle/capture/captureErrors';
import type {NetworkPayload} from '../../bundle/capture/captureNetwork';

export type {ErrorPayload, NetworkPayload};

export interface PageSummary {
  pageID: number;
  url: string;
  startedAt: number;
  eventCount: number;
}

export interface SessionSummary {
  sessionID: string;
  userID: string | null;
  metadata: Record<string, string>;
  startedAt: number;
  durationMs?: number;
  customEventCount?: number;
  vitals?: Record<string, {value: number; rating: string}>;
  // Kept by collectors that know SPEC section 5; older ones leave them out.
  errorCount?: number;
  consoleErrorCount?: number;
  failedRequestCount?: number;
  urls?: string[];
  pages: PageSummary[];
}

/** How many sessions match: exact, or an estimate that says so. */
export interface SessionCount {
  value: number;
  exact: boolean;
}

/** GET /api/sessions: a page of sessions, where the next one starts, and (asked with count=1 or count=exact) how many match. */
export interface SessionList {
  sessions: SessionSummary[];
  /** Null on the last page; collectors before cursors leave it out. */
  nextCursor?: string | null;
  count?: SessionCount;
}

export interface ReplayEvent {
  type: number;
  data: any;
  timestamp: number;
}

/** An rrweb custom event (type 5) as the tracker writes it. */
export interface CustomEvent<P = any> extends ReplayEvent {
  data: {tag: string; payload: P};
}

export type ConsolePayload = {level: 'log' | 'info' | 'warn' | 'error' | 'debug' | 'assert'; args: string[]} | {throttled: number};

export interface NavigationPayload {
  url: string;
  kind: 'pushState' | 'replaceState' | 'popstate' | 'hashchange';
}

export const META = 4;
export const CUSTOM = 5;

/** A session with a live channel connected now (GET /api/live, SPEC section 8): the collector's own type. */
export type {LiveSessionPresence as LiveSession} from '../live/livePresence';
