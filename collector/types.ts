// The collector's public types, in one place: how a collector is started
// (startCollector in server.ts) and what it gives back. What a session looks
// like is storage/types.ts.
import type {AccessKey} from './access/accessKeys';
import type {FailedLoginLimit} from './access/createAccess';
import type {LiveBus} from './live/liveBus';
import type {LivePresence} from './live/livePresence';
import type {LiveLimits} from './live/defaultLiveLimits';
import type {Logger} from './ops/createLogger';
import type {ConnectionLimits, Limits, RateLimits} from './ops/defaultLimits';
import type {Project} from './sessions/projects';
import type {Storage} from './storage/storage';

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
   * collector/ingest/worker.ts): batches are inflated and scanned beside the event
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
