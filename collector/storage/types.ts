// What a session looks like: the records every storage backend keeps and
// hands out (storage.ts), and what the rest of the collector reads.

/** An rrweb event as the tracker sends it; only `type` and `timestamp` are checked. */
export interface RecordedEvent {
  type: number;
  timestamp: number;
  data?: unknown;
  [key: string]: unknown;
}

export interface Vital {
  value: number;
  rating: string;
}

export interface Page {
  /** 1, 2, 3… within the session: one per page load (or duplicated tab). */
  pageID: number;
  url: string;
  referrer: string;
  /** Server time, ms. */
  startedAt: number;
  eventCount: number;
  viewport?: {width: number; height: number};
  trackerVersion?: string;
}

export interface Session {
  sessionID: string;
  projectKey: string;
  userID: string | null;
  userUUID: string;
  metadata: Record<string, string>;
  /** Server time, ms. */
  startedAt: number;
  /** Server time of the last handshake or batch, ms: what the inactivity timeout is measured from. */
  lastActivityAt: number;
  /** Earliest and latest event timestamps (the browser's clock), ms. */
  firstEventAt: number | null;
  lastEventAt: number | null;
  customEventCount: number;
  /** The latest value of each web vital (LCP, INP, CLS, FCP, TTFB). */
  vitals: Record<string, Vital>;
  /** The session exists for live assistance only: no events are stored. */
  assistOnly: boolean;
  /** Uncaught errors and unhandled rejections (`tracker.error` events). */
  errorCount: number;
  /** `tracker.console` events of level error or assert. */
  consoleErrorCount: number;
  /** `tracker.network` events with a status of 400 or more, or a network error. */
  failedRequestCount: number;
  /** Frustration signals: `tracker.rageclick`, `tracker.deadclick`, `tracker.errorclick` events. */
  rageClickCount: number;
  deadClickCount: number;
  errorClickCount: number;
  /** 'error' for a record-on-error session (sent after its trigger), else null. */
  trigger: string | null;
  /** Distinct URLs visited, in the order first seen (bounded: see applySessionChange.ts). */
  urls: string[];
  /** Distinct `tracker.event` names seen (bounded), for filtering. */
  eventNames: string[];
  pages: Page[];
}
