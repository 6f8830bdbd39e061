// The collector's public types, in one place: how a collector is started
// (startCollector in server.ts) and what it gives back. What a session looks
// like is storage/types.ts.
import type {AccessKey} from './access/accessKeys';
import type {FailedLoginLimit} from './access/createAccess';
import type {LiveBus} from './live/liveBus';
import type {LivePresence} from './live/livePresence';
import type {Logger} from './ops/createLogger';
import type {Storage} from './storage/storage';

export interface Project {
  key: string;
  /** Origins allowed to send to this project; null means any origin. */
  origins: Set<string> | null;
}

export interface Limits {
  /** Handshake body (default 64 KiB). */
  startBodyBytes: number;
  /** Batch body as sent, compressed or not (default 4 MiB). */
  batchBodyBytes: number;
  /** Batch body once inflated (default 32 MiB). */
  batchInflatedBytes: number;
}

/** A token bucket: `perSecond` refills it, up to `burst` requests at once; `perSecond` 0 means no limit. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Rate limits of the handshake and of ingest (ops/createAdmission.ts); each is per collector process. */
export interface RateLimits {
  /** Default 5/s, bursts of 50. */
  handshakesPerAddress: RateLimit;
  /** Default 200/s, bursts of 2,000. */
  handshakesPerProject: RateLimit;
  /** Default 50/s, bursts of 500. */
  batchesPerAddress: RateLimit;
  /** Default 5,000/s, bursts of 50,000. */
  batchesPerProject: RateLimit;
  /** Default 3,000 a minute, bursts of 3,000. */
  newSessionsPerProject: RateLimit;
  /** Clients on loopback (this machine) are not limited per address. Default true. */
  exemptLoopback: boolean;
}

/** What keeps slow clients from starving others (ops/guardConnections.ts). */
export interface ConnectionLimits {
  /** Default 1000; 0: no cap. */
  maxConnections: number;
  /** Default 100 (not applied to loopback, nor behind trusted proxies); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Default 10. */
  headersTimeoutSeconds: number;
  /** Default 30. */
  requestTimeoutSeconds: number;
  /** Default 5. */
  keepAliveTimeoutSeconds: number;
  /** How long close() lets requests in progress finish before cutting them off. Default 10. */
  shutdownGraceSeconds: number;
}

/** Assist's live channels (live/): timeouts and caps, per collector process. */
export interface LiveLimits {
  /** A tracker channel must send `hello` within this (default 5000 ms; closed 4408). */
  helloTimeoutMs: number;
  /** Sockets are pinged this often and ended when the previous ping got no pong (default 20000 ms). */
  pingIntervalMs: number;
  /** A tracker channel that sends nothing for this long is ended (default 55000 ms; heartbeats come every 25 s). */
  trackerSilenceMs: number;
  /** How long agents wait for a closed tab to come back (a page load) before they are told it is gone (default 3000 ms). */
  tabGraceMs: number;
  /** Frames a tracker or agent channel may send per second, in bursts of as many (default 200; over it: closed 4429). */
  trackerFramesPerSecond: number;
  /** Largest frame from a tracker (default 2 MiB). */
  trackerFrameBytes: number;
  /** Largest frame from an agent (default 64 KiB). */
  agentFrameBytes: number;
  /** Agents watching one session at once (default 20; more: 429 at the upgrade). */
  agentsPerSession: number;
  /** An agent's unsent frames past this are dropped, and it is resynced once it drains (default 4 MiB). */
  agentBufferedBytes: number;
  /**
   * Live channels (tabs and agents) open at once (default 20,000; more: 503 at
   * the upgrade). They do not count against `maxConnections`, which is for
   * requests: a tab holds its channel for as long as it is open.
   */
  maxChannels: number;
}

export interface CollectorOptions {
  /** Where sessions (and the generated secrets) are kept. */
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default: the project key `demo`, from any origin. */
  projects?: Project[];
  /** Signs session tokens and hashes. Default: generated once and kept in `<dataDir>/secret`. */
  secret?: string;
  /** An admin access key named "admin" (TRACKER_ADMIN_KEY). Default: generated once and kept in `<dataDir>/admin-key`. */
  adminKey?: string;
  /** The read secret of older versions: an admin access key named "read-secret". */
  readSecret?: string;
  /** Access keys given on the command line or in TRACKER_KEYS. */
  keys?: AccessKey[];
  /** A keys file, read again whenever it changes (access/watchKeysFile.ts). */
  keysFile?: string;
  /** Assist's relay between collectors (live/createPostgresLiveBus.ts); default: in memory, this process alone. Closed by the caller. */
  liveBus?: LiveBus & LivePresence;
  /** Development only: the read side needs no credential at all. */
  insecureNoAuth?: boolean;
  /** How long a viewer's login lasts (default 12 hours). */
  loginTtlSeconds?: number;
  /** How long a login link may be used, once (default 1 hour). */
  loginLinkTtlSeconds?: number;
  /** Failed logins from one address before it is answered 429 (default 10 in 300 s). */
  failedLogins?: FailedLoginLimit;
  /** Default 86400. */
  tokenTtlSeconds?: number;
  /** A session idle for longer is not resumed. Default 1800. */
  inactivityTimeoutSeconds?: number;
  limits?: Partial<Limits>;
  /**
   * A directory holding the replay viewer (`index.html` and its assets):
   * `/` serves its index.html and `/viewer/<file>` its files, under the same
   * rule as the read API. Without it those paths answer 404.
   */
  viewerDir?: string;
  /** Another storage backend; default: files under `dataDir`. */
  storage?: Storage;
  /** Sessions inactive for longer are removed (storage/startRetention.ts). Default: kept. */
  retentionDays?: number;
  /** Where notes about the start-up (sessions loaded, recovery after a crash) go. Default: nowhere. */
  log?: (line: string) => void;
  /** Where unexpected failures (answered 500) are reported. Default: console.error. */
  logError?: (error: unknown) => void;
  /** Structured logs of notable events (ops/createLogger.ts); when given, failures go there rather than to `logError`. */
  logger?: Logger;
  rateLimits?: Partial<RateLimits>;
  live?: Partial<LiveLimits>;
  connectionLimits?: Partial<ConnectionLimits>;
  /** How many reverse proxies in front append the client's address to X-Forwarded-For. Default 0: the header is ignored. */
  trustedProxies?: number;
  /**
   * The collector's worker script (dist/collector-worker.js, see
   * collector/worker.ts): batches are inflated and scanned beside the event
   * loop (ingest/createBatchChecker.ts), and the default file storage writes
   * its page files there. Default: all on the main thread.
   */
  workerUrl?: URL;
}

export interface RunningCollector {
  url: string;
  port: number;
  access: {
    /** The development flag: no credential needed. */
    open: boolean;
    keyCount: number;
    /** Where the generated admin key is kept (null when TRACKER_ADMIN_KEY or a read secret gave it). */
    adminKeyFile: string | null;
    /** The admin key, when this start generated it: shown once. */
    createdAdminKey: string | null;
    /** A one-time login link to the viewer, for this key (default: the admin key). */
    loginLink(keyName?: string): Promise<string>;
  };
  /** Where a generated signing secret is kept (null when it was given). */
  secretFile: string | null;
  /** Stops accepting connections, lets requests in progress finish and writes what storage holds back. */
  close(): Promise<void>;
}
