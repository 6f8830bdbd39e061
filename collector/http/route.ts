// What a route handler gets and gives back.
import type {IncomingMessage} from 'node:http';
import type {BatchChecker} from '../ingest/createBatchChecker';
import type {Admission} from '../ops/createAdmission';
import type {Logger} from '../ops/createLogger';
import type {Metrics} from '../ops/createMetrics';
import type {LivePresence} from '../live/livePresence';
import type {ProjectRegistry} from '../sessions/projects';
import type {Access, Principal} from '../access/createAccess';
import type {Storage} from '../storage/storage';
import type {Limits} from '../ops/defaultLimits';

/** What every handler may use, set up once by startCollector. */
export interface Collector {
  storage: Storage;
  projects: ProjectRegistry;
  /** Signs tokens and session hashes. */
  secret: string;
  tokenTtlMs: number;
  inactivityMs: number;
  limits: Limits;
  /** Who may use the read side, and the audit log. */
  access: Access;
  /** Proxies in front whose X-Forwarded-* headers are believed. */
  trustedProxies: number;
  viewerDir: string | null;
  now(): number;
  /** Rate limits: throws a 429 HttpError when a request is over one. */
  admission: Admission;
  metrics: Metrics;
  /** Inflates and scans batch bodies, in worker threads when it can. */
  batches: BatchChecker;
  /** Structured logs (ops/createLogger.ts). */
  logger: Logger;
  /** The sessions with a live channel now (live/). */
  live: LivePresence;
}

export interface RouteRequest {
  req: IncomingMessage;
  url: URL;
  /** The `:name` segments of the route's path. */
  params: Record<string, string>;
  /** The Origin header, when the request came from a browser page. */
  origin: string | undefined;
  /** Who is calling: set on every route that needs an access key, null on the others. */
  who: Principal | null;
  /** The client's address (behind trusted proxies, the forwarded one). */
  address: string;
  /** The client reached a trusted proxy over HTTPS: cookies get `Secure`. */
  secure: boolean;
}

export type Reply =
  | {status: number; json: unknown; headers?: Record<string, string>}
  | {status: number; body: Buffer | string; headers: Record<string, string>}
  /** JSON written as it is produced (lib/writeStream.ts). */
  | {status: number; stream: AsyncIterable<string | Buffer>; headers?: Record<string, string>};

/** Returns the reply, or throws an HttpError (which becomes `{error}`). */
export type Handler = (request: RouteRequest, collector: Collector) => Promise<Reply> | Reply;
