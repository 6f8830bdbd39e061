// The tracker's public types, in one place (SPEC sections 2 and 5).
import type {ConsoleLevel} from './capture/captureConsole';
import type {NetworkCaptureOptions, NetworkPayload} from './capture/captureNetwork';

export type {ConsoleLevel, NetworkCaptureOptions, NetworkPayload};

export interface StartOptions {
  /** Who the user is, kept across sessions by the site's choice. */
  userID: string;
  /** Key/value strings attached to the session. */
  metadata: Record<string, string>;
  /** Start a new session even if this tab has one. */
  forceNew: boolean;
  /** Resume the session that getSessionHash() returned on another origin. */
  sessionHash: string;
  /** Hold a session but record and send no session data. */
  assistOnly: boolean;
  /** Called once per start() call, on success and on failure. */
  startCallback: (result: StartPromiseReturn) => void;
}

export interface SuccessfulStart {
  success: true;
  sessionID: string;
  sessionToken: string;
  sessionHash: string;
  userUUID: string;
}

export interface UnsuccessfulStart {
  success: false;
  reason: string;
}

export type StartPromiseReturn = SuccessfulStart | UnsuccessfulStart;

/** Options given in the snippet's call (its last argument) or to createTracker(). */
export interface InitOptions {
  /** Mask the value of every input, textarea and select (default true). Passwords are always blocked. */
  maskAllInputs?: boolean;
  /** Mask the text of every element (default false). */
  maskAllText?: boolean;
  /** Elements whose text is masked; added to `.tracker-mask, [data-tracker-mask]`. */
  maskTextSelector?: string;
  /**
   * Mask email addresses and card numbers (13-19 digits passing the Luhn check)
   * in recorded text and in readable attributes such as title, alt and
   * placeholder, `*` for each character (default true). URLs in the recorded
   * DOM have their secret-looking query values redacted whatever this says.
   */
  maskEmailsAndCards?: boolean;
  /** Elements not recorded at all (an empty box in replay); added to `.tracker-block, [data-tracker-block]`. */
  blockSelector?: string;
  /** Send what is buffered at least this often, in ms (default 5000). */
  flushIntervalMs?: number;
  /** Send as soon as this many events are buffered (default 500). */
  maxBatchEvents?: number;
  /** Bytes the tracker may hold while the collector is unreachable (default 8 MiB). */
  maxBufferBytes?: number;
  /** Take a full snapshot this often, in ms, so a replay can start mid-session (default 5 min). */
  checkoutIntervalMs?: number;
  /** A session idle for longer is not resumed (default 30 min). */
  inactivityTimeoutMs?: number;
  /** Longest wait between delivery retries, in ms (default 30000). */
  maxRetryDelayMs?: number;
  /** Record web vitals as custom events (default true). */
  captureVitals?: boolean;
  /** Record uncaught errors and unhandled rejections as `tracker.error` events (default true). */
  captureErrors?: boolean;
  /** Record console calls as `tracker.console` events: true for every level (default), or the levels to keep. */
  captureConsole?: boolean | ConsoleLevel[];
  /** Record fetch and XHR as `tracker.network` events (default true, without headers and bodies); an object opts in to more. */
  captureNetwork?: boolean | NetworkCaptureOptions;
  /** Record pushState, replaceState, popstate and hashchange as `tracker.navigation` events (default true). */
  captureNavigation?: boolean;
  /** Record rage, dead and error clicks as `tracker.rageclick`, `tracker.deadclick`, `tracker.errorclick` (default true). */
  captureFrustration?: boolean;
  /** Share of sessions recorded, 0 to 1, drawn once per session (default 1). */
  sampleRate?: number;
  /** Share of the sessions not sampled that are recorded into memory and sent only after an error, a failed request or flush() (default 0). */
  onErrorSampleRate?: number;
  /** How much a record-on-error session keeps in memory before its trigger, in seconds (default 60). */
  bufferSeconds?: number;
  /** Record canvases as periodic snapshots, from tracker-canvas.js loaded beside the bundle (default false). */
  captureCanvas?: boolean;
  /** Canvas snapshots per second at most, per canvas (default 2). */
  canvasFps?: number;
  /** Canvas snapshots' image quality, 0 to 1 (WebP; default 0.6). */
  canvasQuality?: number;
  /** Where tracker-canvas.js is (default: beside the bundle's script; needed with the ES module). */
  canvasScriptUrl?: string;
  /**
   * Assist (SPEC section 8): a support agent watches this page live and, with
   * the user's consent, takes control of it. `false` (default): no live
   * channel, nothing happens. `true`: Assist with the defaults below. An object:
   * Assist with these settings. `start({assistOnly: true})` turns Assist on
   * for that session whatever this says.
   */
  assist?: boolean | AssistOptions;
  /** Where tracker-assist.js is (default: beside the bundle's script; needed with the ES module). */
  assistScriptUrl?: string;
}

export interface AssistOptions {
  /** Ask the user before anyone may watch (default false: watching needs no consent, control does). */
  confirmView?: boolean;
  /** Ask the user before an agent takes control (default true). */
  confirmControl?: boolean;
  /** The dialogs' and the control bar's texts, for another language or tone. */
  texts?: Partial<AssistTexts>;
  /** The agents watching now (names as the collector gives them); called on every change, [] when the last leaves. */
  onAgents?(names: string[]): void;
  /** Control started ('allowed') or ended ('ended'); what threw in it is caught. */
  onControl?(state: 'allowed' | 'ended'): void;
}

/** `{agent}` in a text is replaced by the agent's name. */
export interface AssistTexts {
  /** The control dialog's title, its accessible name. */
  controlTitle: string;
  controlMessage: string;
  /** The watch dialog's (confirmView) title, its accessible name. */
  viewTitle: string;
  viewMessage: string;
  allow: string;
  deny: string;
  /** The bar shown while an agent is in control. */
  controlled: string;
  endControl: string;
}

export interface TrackerConfig extends InitOptions {
  projectKey: string;
  /** The collector's base URL, e.g. https://collector.example.com */
  ingestPoint: string;
}

export interface Tracker {
  start(startOpts?: Partial<StartOptions>): Promise<StartPromiseReturn>;
  stop(): Promise<void>;
  /** Send what is buffered now; in a record-on-error session, send the buffer and record from here on. */
  flush(): Promise<void>;
  setUserID(userID: string): void;
  setMetadata(key: string, value: string): void;
  event(name: string, payload?: unknown): void;
  getSessionID(): string | null;
  getSessionHash(): string | null;
  isActive(): boolean;
}

/** What the tracker has done so far; for tests and debugging, not a stable API. */
export interface TrackerStats {
  recordedEvents: number;
  bufferedBytes: number;
  sentBatches: number;
  droppedEvents: number;
  handshakes: number;
}

/** An rrweb event as the tracker handles it. */
export interface RecordedEvent {
  type: number;
  data: unknown;
  timestamp: number;
}

/** The collector's answer to POST /v1/web/start. */
export interface SessionGrant {
  sessionID: string;
  sessionToken: string;
  sessionHash: string;
  userUUID: string;
  pageID: number;
  startedAt: number;
  resumed: boolean;
  tokenExpiresAt: number;
}
