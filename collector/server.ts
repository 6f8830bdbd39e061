// The collector's HTTP server: startCollector() and the table of its routes.
//
// `access` says who may call a route:
//   ingest  browsers of the configured projects: CORS headers are added, and
//           the handler checks the origin against the request's own project
//   viewer  an access key (or a login made with one) of at least this role:
//   agent     viewer < agent < admin (access/accessKeys.ts); without one the
//   admin     answer is 401, with too small a role 403
//   open    anyone
// Handshakes and batches also pass the rate limits (ops/createAdmission.ts).
// Every route that is not ingest is refused when a browser sends it from
// another origin and it changes something (access/refuseCrossOrigin.ts).
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {createFileStorage} from './storage/file/createFileStorage';
import {createBatchChecker} from './ingest/createBatchChecker';
import {startRetention} from './storage/startRetention';
import {createAccess, requireRole} from './access/createAccess';
import {createKeyRing, hashSecret, type AccessKey, type Role} from './access/accessKeys';
import {handleAudit} from './access/handleAudit';
import {handleLogin} from './access/handleLogin';
import {handleLoginLink} from './access/handleLoginLink';
import {handleLogout} from './access/handleLogout';
import {handleMe} from './access/handleMe';
import {refuseCrossOrigin} from './access/refuseCrossOrigin';
import {SECURITY_HEADERS} from './access/securityHeaders';
import {watchKeysFile} from './access/watchKeysFile';
import {handleBatch} from './ingest/handleBatch';
import {handleEraseSession} from './read/handleEraseSession';
import {handleEraseSessionsOfUser} from './read/handleEraseSessionsOfUser';
import {handleGetSession} from './read/handleGetSession';
import {handleListSessions} from './read/handleListSessions';
import {handlePageEvents} from './read/handlePageEvents';
import {handlePreflight} from './sessions/handlePreflight';
import {handleSessionEvents} from './read/handleSessionEvents';
import {handleStart} from './sessions/handleStart';
import {handleViewer} from './read/handleViewer';
import {attachLiveChannels} from './live/attachLiveChannels';
import {createLiveRelay} from './live/createLiveRelay';
import {createMemoryLiveBus} from './live/createMemoryLiveBus';
import {DEFAULT_LIVE_LIMITS} from './live/defaultLiveLimits';
import {handleListLive} from './live/handleListLive';
import {HttpError} from './lib/httpError';
import {isStorageUnavailable, StorageUnavailable} from './lib/storageUnavailable';
import {loadOrCreateSecret} from './lib/loadOrCreateSecret';
import {matchPath} from './lib/matchPath';
import {bodyLeftUnread} from './lib/readBody';
import {writeStream} from './lib/writeStream';
import {createProjectRegistry, DEMO_PROJECT, type ProjectRegistry} from './sessions/projects';
import {createAdmission, type IngestKind} from './ops/createAdmission';
import {clientAddress} from './ops/clientAddress';
import {silentLogger, type Logger} from './ops/createLogger';
import {createMetrics, type Metrics} from './ops/createMetrics';
import {DEFAULT_CONNECTION_LIMITS, DEFAULT_LIMITS, DEFAULT_RATE_LIMITS} from './ops/defaultLimits';
import {connectionServerOptions, guardConnections} from './ops/guardConnections';
import {handleMetrics} from './ops/handleMetrics';
import {instrumentStorage} from './ops/instrumentStorage';
import type {Collector, Handler, Reply} from './http/route';
import type {CollectorOptions, RunningCollector} from './types';

interface Route {
  method: 'GET' | 'POST' | 'DELETE' | 'OPTIONS';
  path: string;
  access: 'ingest' | 'open' | Role;
  handler: Handler;
}

const routes: Route[] = [
  {method: 'OPTIONS', path: '/v1/web/*',                                access: 'ingest', handler: handlePreflight},
  {method: 'POST',    path: '/v1/web/start',                            access: 'ingest', handler: handleStart},
  {method: 'POST',    path: '/v1/web/i',                                access: 'ingest', handler: handleBatch},
  {method: 'GET',     path: '/api/sessions',                            access: 'viewer', handler: handleListSessions},
  {method: 'GET',     path: '/api/sessions/:id',                        access: 'viewer', handler: handleGetSession},
  {method: 'DELETE',  path: '/api/sessions',                            access: 'admin',  handler: handleEraseSessionsOfUser},
  {method: 'DELETE',  path: '/api/sessions/:id',                        access: 'admin',  handler: handleEraseSession},
  {method: 'GET',     path: '/api/sessions/:id/events',                 access: 'viewer', handler: handleSessionEvents},
  {method: 'GET',     path: '/api/sessions/:id/pages/:pageID/events',   access: 'viewer', handler: handlePageEvents},
  // The live channels themselves are WebSocket upgrades: live/attachLiveChannels.ts.
  {method: 'GET',     path: '/api/live',                                access: 'viewer', handler: handleListLive},
  {method: 'POST',    path: '/api/login',                               access: 'open',   handler: handleLogin},
  {method: 'POST',    path: '/api/logout',                              access: 'viewer', handler: handleLogout},
  {method: 'GET',     path: '/api/me',                                  access: 'viewer', handler: handleMe},
  {method: 'POST',    path: '/api/login-links',                         access: 'admin',  handler: handleLoginLink},
  {method: 'GET',     path: '/api/audit',                               access: 'admin',  handler: handleAudit},
  // The viewer's files hold no session data: without a login it shows its login form.
  {method: 'GET',     path: '/',                                        access: 'open',   handler: handleViewer},
  {method: 'GET',     path: '/viewer/*',                                access: 'open',   handler: handleViewer},
  {method: 'GET',     path: '/metrics',                                 access: 'viewer', handler: handleMetrics},
  {method: 'GET',     path: '/healthz',                                 access: 'open',   handler: () => ({status: 200, json: {ok: true}})},
];

// Which routes the rate limits apply to, and as what.
const RATE_LIMITED: Record<string, IngestKind> = {'/v1/web/start': 'handshake', '/v1/web/i': 'batch'};

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const logError = options.logError ?? ((error: unknown) => console.error(error));
  const logger: Logger = options.logger ?? {...silentLogger, error: (_event, fields) => logError(fields?.error)};
  const rateLimits = {...DEFAULT_RATE_LIMITS, ...options.rateLimits};
  const connectionLimits = {...DEFAULT_CONNECTION_LIMITS, ...options.connectionLimits};
  const trustedProxies = options.trustedProxies ?? 0;
  await mkdir(options.dataDir, {recursive: true});

  const secretFile = options.secret ? null : join(options.dataDir, 'secret');
  const secret = options.secret ?? (await loadOrCreateSecret(secretFile!)).secret;
  const keys = await accessKeysOf(options);
  const inactivityMs = (options.inactivityTimeoutSeconds ?? 1800) * 1000;
  const metrics = createMetrics({inactivityMs});
  const storage = instrumentStorage(options.storage ?? (await createFileStorage(options.dataDir, {log, workerUrl: options.workerUrl})), {metrics, logger});
  const limits = {...DEFAULT_LIMITS, ...options.limits};
  const batches = createBatchChecker({maxInflatedBytes: limits.batchInflatedBytes, workerUrl: options.workerUrl ?? null});
  const liveLimits = {...DEFAULT_LIVE_LIMITS, ...options.live};
  // One process: the relay's bus is in memory; collectors sharing PostgreSQL pass theirs (live/createPostgresLiveBus.ts).
  const relay = createLiveRelay({
    bus: options.liveBus ?? createMemoryLiveBus(),
    limits: liveLimits,
    metrics,
    logger,
    audit: (who, address, action, fields) => collector.access.audit(who, address, action, fields),
    now: Date.now,
  });
  metrics.observeLive(() => relay.figures());
  const collector: Collector = {
    storage,
    projects: createProjectRegistry(options.projects?.length ? options.projects : [DEMO_PROJECT]),
    secret,
    tokenTtlMs: (options.tokenTtlSeconds ?? 86_400) * 1000,
    inactivityMs,
    limits,
    access: createAccess({
      keys: keys.ring,
      storage,
      open: options.insecureNoAuth ?? false,
      loginTtlMs: (options.loginTtlSeconds ?? 12 * 3600) * 1000,
      linkTtlMs: (options.loginLinkTtlSeconds ?? 3600) * 1000,
      failedLogins: options.failedLogins ?? {failures: 10, windowSeconds: 300},
      now: Date.now,
      counted: (outcome) => metrics.login(outcome),
    }),
    trustedProxies,
    viewerDir: options.viewerDir ?? null,
    now: Date.now,
    admission: createAdmission({limits: rateLimits, trustedProxies, metrics, logger}),
    metrics,
    batches,
    logger,
    // With a shared bus, the live list is every collector's, not this one's sockets alone.
    live: options.liveBus ?? relay,
  };

  let closing = false;
  const server = createServer(connectionServerOptions(connectionLimits), (req, res) => {
    void serve(req, res, collector, {closing: () => closing, logger});
  });
  const guard = guardConnections(server, {limits: connectionLimits, perAddress: trustedProxies === 0, exemptLoopback: rateLimits.exemptLoopback, metrics, logger});
  const live = attachLiveChannels(server, collector, relay, liveLimits, () => closing, guard);
  try {
    await listen(server, options.port ?? 0, host);
  } catch (error) {
    await Promise.all([storage.close(), batches.close()]);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port} on ${host} is in use: pick another with --port (0 picks a free one)`);
    throw error;
  }
  const port = (server.address() as {port: number}).port;
  const retention = options.retentionDays ? startRetention(storage, {days: options.retentionDays, log}) : null;

  let closed: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    secretFile,
    access: {
      open: collector.access.open,
      keyCount: keys.ring.size,
      adminKeyFile: keys.adminKeyFile,
      createdAdminKey: keys.createdAdminKey,
      async loginLink(keyName = keys.adminKeyName) {
        const {token} = await collector.access.newLoginLink(keyName);
        return `http://${host.includes(':') ? `[${host}]` : host}:${port}/#login=${token}`;
      },
    },
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Live sockets would hold server.close() for good: they are told to go (1001) at once.
        const liveClosed = live.close();
        server.closeIdleConnections();
        const cutOff = setTimeout(() => {
          logger.warn('shutdown_cut_off', {reason: `requests still running after ${connectionLimits.shutdownGraceSeconds} s were cut off unanswered (their clients send them again)`});
          server.closeAllConnections();
        }, connectionLimits.shutdownGraceSeconds * 1000);
        await Promise.all([stopped, liveClosed]);
        clearTimeout(cutOff);
        keys.stop();
        await retention?.stop();
        await Promise.all([storage.close(), batches.close()]);
      })();
      return closed;
    },
  };
}

/**
 * The access keys: the keys file and the keys given, TRACKER_ADMIN_KEY (or
 * one generated once into DIR/admin-key), and an old read secret as an admin
 * key. The keys file is read again when it changes.
 */
async function accessKeysOf(options: CollectorOptions) {
  const given: AccessKey[] = [...(options.keys ?? [])];
  let adminKeyFile: string | null = null;
  let createdAdminKey: string | null = null;
  let adminKeyName = 'admin';
  if (options.adminKey) {
    given.push({name: 'admin', role: 'admin', projects: null, hash: hashSecret(options.adminKey)});
  } else if (options.readSecret) {
    adminKeyName = 'read-secret';
  } else if (!options.insecureNoAuth) {
    adminKeyFile = join(options.dataDir, 'admin-key');
    const {secret, created} = await loadOrCreateSecret(adminKeyFile);
    if (created) createdAdminKey = secret;
    given.push({name: 'admin', role: 'admin', projects: null, hash: hashSecret(secret)});
  }
  if (options.readSecret) given.push({name: 'read-secret', role: 'admin', projects: null, hash: hashSecret(options.readSecret)});
  const watched = options.keysFile ? await watchKeysFile(options.keysFile, given, options.log ?? (() => {})) : null;
  const ring = watched?.ring ?? createKeyRing(given);
  return {ring, adminKeyFile, createdAdminKey, adminKeyName, stop: () => watched?.stop()};
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

interface ServeContext {
  closing(): boolean;
  logger: Logger;
}

async function serve(req: IncomingMessage, res: ServerResponse, collector: Collector, context: ServeContext): Promise<void> {
  let cors: Record<string, string> = {};
  // The route's pattern, never the URL: metrics and logs must not carry IDs.
  let routeLabel = 'unmatched';
  observeRequest(req, res, collector.metrics, context.logger, () => routeLabel);
  try {
    const url = new URL(req.url ?? '/', 'http://collector');
    const origin = req.headers.origin;
    const matching = routes.flatMap((route) => {
      const params = matchPath(route.path, url.pathname);
      return params ? [{route, params}] : [];
    });
    if (!matching.length) throw new HttpError(404, `there is no ${url.pathname} on this collector`);
    const found = matching.find(({route}) => route.method === req.method);
    if (!found) {
      const allowed = matching.map(({route}) => route.method);
      throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}: use ${allowed.join(' or ')}`, {Allow: allowed.join(', ')});
    }
    const {route, params} = found;
    routeLabel = route.path;
    if (route.access === 'ingest') cors = corsHeaders(origin, collector.projects);
    else cors = SECURITY_HEADERS;
    const limited = RATE_LIMITED[route.path];
    if (limited && route.method === 'POST') collector.admission.admitAddress(limited, req);
    const address = clientAddress(req, collector.trustedProxies);
    let who = null;
    if (route.access !== 'ingest') {
      if (route.method !== 'GET') refuseCrossOrigin(req, collector.trustedProxies);
      if (route.access !== 'open') {
        who = await collector.access.authenticate({authorization: req.headers.authorization, cookie: req.headers.cookie, address});
        if (!who) {
          throw new HttpError(
            401,
            'this needs an access key: send "Authorization: Bearer <key>", or log in to the viewer (the collector prints where its admin key is at start-up)',
          );
        }
        requireRole(who, route.access);
      }
    }
    const secure = collector.trustedProxies > 0 && /(^|,)\s*https\s*$/i.test(String(req.headers['x-forwarded-proto'] ?? ''));
    send(req, res, await route.handler({req, url, params, origin, who, address, secure}, collector), cors, context);
  } catch (error) {
    if (error instanceof HttpError) {
      send(req, res, {status: error.status, json: {error: error.message}, headers: error.headers}, cors, context);
    } else if (isStorageUnavailable(error)) {
      // Never a 2xx for what was not stored: the tracker keeps the batch and retries after this.
      const retryAfter = error instanceof StorageUnavailable ? error.retryAfterSeconds : 5;
      const reply = {error: `the collector cannot store right now (its storage is full or out of reach): try again in ${retryAfter} s`};
      send(req, res, {status: 503, json: reply, headers: {'Retry-After': String(retryAfter)}}, cors, context);
    } else {
      context.logger.error('request_failed', {route: routeLabel, method: req.method, error});
      send(req, res, {status: 500, json: {error: 'the collector failed on this request (its log says why); try again'}}, cors, context);
    }
  }
}

// Counts every answer by route and status, and times handshakes and batches.
function observeRequest(req: IncomingMessage, res: ServerResponse, metrics: Metrics, logger: Logger, route: () => string): void {
  const startedAt = process.hrtime.bigint();
  let counted = false;
  const count = (status: number) => {
    if (counted) return;
    counted = true;
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    metrics.request(route(), req.method ?? '', status);
    if (RATE_LIMITED[route()] && req.method === 'POST') metrics.ingestDuration(route(), seconds);
    logger.debug('request', {route: route(), method: req.method, status, ms: Math.round(seconds * 1000)});
  };
  // Counted once the answer is handed to the network, before the client can see it.
  res.once('finish', () => count(res.statusCode));
  // 499: the client left before it was answered (nginx's convention).
  res.once('close', () => count(res.headersSent ? res.statusCode : 499));
}

// The request origin is echoed when some project accepts it (what the
// preflight granted), also on errors: a browser hides a response without it,
// and the error text is what tells the site owner what to fix.
function corsHeaders(origin: string | undefined, projects: ProjectRegistry): Record<string, string> {
  const headers: Record<string, string> = {Vary: 'Origin'};
  if (origin !== undefined && projects.anyAllows(origin)) {
    headers['Access-Control-Allow-Origin'] = origin;
    // Not CORS-safelisted: without this the tracker cannot honour a Retry-After
    // (sent by a proxy or load balancer in front of the collector).
    headers['Access-Control-Expose-Headers'] = 'Retry-After';
  }
  return headers;
}

function send(req: IncomingMessage, res: ServerResponse, reply: Reply, cors: Record<string, string>, context: ServeContext): void {
  // The client left (a cut-off upload): nobody to answer.
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {...cors, 'X-Content-Type-Options': 'nosniff', ...reply.headers};
  if ('stream' in reply) {
    res.writeHead(reply.status, {...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store'});
    void writeStream(res, reply.stream, (error) => context.logger.error('stream_failed', {error}));
    return;
  }
  let body: Buffer | string;
  if ('json' in reply) {
    body = JSON.stringify(reply.json);
    headers['Content-Type'] = 'application/json';
    headers['Cache-Control'] ??= 'no-store';
  } else {
    body = reply.body;
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  if (bodyLeftUnread(req) || context.closing()) headers.Connection = 'close';
  res.writeHead(reply.status, headers);
  res.end(body);
}
