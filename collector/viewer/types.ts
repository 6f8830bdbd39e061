// What the viewer reads from the collector's read API (SPEC sections 3 and 5),
// and the payloads of the tracker's custom events it shows.

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

export interface ReplayEvent {
  type: number;
  data: any;
  timestamp: number;
}

/** An rrweb custom event (type 5) as the tracker writes it. */
export interface CustomEvent<P = any> extends ReplayEvent {
  data: {tag: string; payload: P};
}

export interface ErrorPayload {
  kind: 'error' | 'unhandledrejection';
  message: string;
  name?: string;
  stack?: string;
  source?: string;
  line?: number;
  column?: number;
}

export type ConsolePayload = {level: 'log' | 'info' | 'warn' | 'error' | 'debug' | 'assert'; args: string[]} | {throttled: number};

export interface NetworkPayload {
  method: string;
  url: string;
  status: number;
  durationMs: number;
  requestBytes?: number;
  responseBytes?: number;
  kind: 'fetch' | 'xhr';
  error?: string;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  requestBody?: string;
  responseBody?: string;
}

export interface NavigationPayload {
  url: string;
  kind: 'pushState' | 'replaceState' | 'popstate' | 'hashchange';
}

export const META = 4;
export const CUSTOM = 5;
