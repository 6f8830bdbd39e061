// The collector's HTTP server: the routes in one table, CORS for the ingest
// routes, the read secret for the read side when not on loopback.
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {timingSafeEqual} from 'node:crypto';
import {HttpError, bearerToken, sendJson, type RequestContext} from './http';
import {isLoopback, originAllowedByAnyProject, type Collector, type CollectorSettings} from './context';
import type {Storage} from './storage';
import {createFileStorage} from './fileStorage';
import {handleStart} from './handlers/start';
import {handleBatch} from './handlers/ingest';
import {getSession, listSessions, pageEvents, sessionEvents} from './handlers/sessions';
import {viewerAsset, viewerIndex} from './handlers/viewer';

type Access = 'ingest' | 'read' | 'open';
type Handler = (collector: Collector, context: RequestContext) => Promise<void>;

const routes: Array<{method: string; path: string; access: Access; handler: Handler}> = [
  {method: 'POST', path: '/v1/web/start', access: 'ingest', handler: handleStart},
  {method: 'POST', path: '/v1/web/i', access: 'ingest', handler: handleBatch},
  {method: 'GET', path: '/api/sessions', access: 'read', handler: listSessions},
  {method: 'GET', path: '/api/sessions/:id', access: 'read', handler: getSession},
  {method: 'GET', path: '/api/sessions/:id/events', access: 'read', handler: sessionEvents},
  {method: 'GET', path: '/api/sessions/:id/pages/:page/events', access: 'read', handler: pageEvents},
  {method: 'GET', path: '/', access: 'read', handler: viewerIndex},
  {method: 'GET', path: '/viewer/:file', access: 'read', handler: viewerAsset},
  {method: 'GET', path: '/healthz', access: 'open', handler: async (_, context) => sendJson(context.response, 200, {ok: true})},
];

const READ_COOKIE = 'tracker_read';

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!got[i]) return null;
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

function sameSecret(given: string | null | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

// Not on loopback, the read side needs the read secret: as a bearer token, as
// ?key= (which also sets a cookie, so the viewer's own requests carry it), or
// as that cookie.
function checkReadAccess(settings: CollectorSettings, context: RequestContext): void {
  if (isLoopback(settings.host)) return;
  const {request, url, response} = context;
  const fromQuery = url.searchParams.get('key');
  if (sameSecret(fromQuery, settings.readSecret)) {
    response.setHeader('Set-Cookie', `${READ_COOKIE}=${encodeURIComponent(settings.readSecret)}; HttpOnly; SameSite=Strict; Path=/`);
    return;
  }
  if (sameSecret(bearerToken(request), settings.readSecret) || sameSecret(cookie(request, READ_COOKIE), settings.readSecret)) return;
  throw new HttpError(401, 'the read API needs the read secret: Authorization: Bearer <secret> or ?key=<secret>');
}

function corsHeaders(settings: CollectorSettings, request: IncomingMessage): Record<string, string> {
  const origin = request.headers.origin;
  if (!origin || !originAllowedByAnyProject(settings, origin)) return {Vary: 'Origin'};
  return {'Access-Control-Allow-Origin': origin, Vary: 'Origin'};
}

async function handle(collector: Collector, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://collector');
  const context: RequestContext = {request, response, url, params: {}, headers: {}};
  try {
    const isIngest = url.pathname.startsWith('/v1/web/');
    if (isIngest) context.headers = corsHeaders(collector.settings, request);
    if (isIngest && request.method === 'OPTIONS') {
      if (!context.headers['Access-Control-Allow-Origin']) throw new HttpError(403, `origin ${request.headers.origin} is not allowed by any project`);
      response.writeHead(204, {
        ...context.headers,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
        'Access-Control-Max-Age': '7200',
      });
      response.end();
      return;
    }
    const candidates = routes.flatMap((route) => {
      const params = match(route.path, url.pathname);
      return params ? [{route, params}] : [];
    });
    if (!candidates.length) throw new HttpError(404, `no route ${url.pathname}`);
    const found = candidates.find(({route}) => route.method === request.method);
    if (!found) throw new HttpError(405, `${request.method} is not allowed on ${url.pathname}`);
    context.params = found.params;
    if (found.route.access === 'read') checkReadAccess(collector.settings, context);
    await found.route.handler(collector, context);
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) console.error('collector: unexpected error', error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    // A body we stopped reading (413) must not be left half-read on a kept-alive connection.
    const headers: Record<string, string> = {...context.headers};
    if (!request.complete) headers.Connection = 'close';
    sendJson(response, status, {error: error instanceof HttpError ? error.message : 'internal error'}, headers);
    if (!request.complete) response.on('finish', () => request.destroy());
  }
}

export interface StartOptions extends Partial<CollectorSettings> {
  port?: number;
  dataDir: string;
  signingSecret: string;
  readSecret: string;
  storage?: Storage;
  /** fsync batches before acknowledging them (default true). */
  sync?: boolean;
}

export interface RunningCollector {
  url: string;
  port: number;
  host: string;
  storage: Storage;
  close(): Promise<void>;
}

export async function startCollector(options: StartOptions): Promise<RunningCollector> {
  const settings: CollectorSettings = {
    host: options.host ?? '127.0.0.1',
    projects: options.projects ?? new Map([['demo', null]]),
    signingSecret: options.signingSecret,
    readSecret: options.readSecret,
    tokenTtlMs: options.tokenTtlMs ?? 24 * 3600_000,
    inactivityTimeoutMs: options.inactivityTimeoutMs ?? 30 * 60_000,
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    maxInflatedBytes: options.maxInflatedBytes ?? 32 * 1024 * 1024,
    viewerDir: options.viewerDir ?? null,
  };
  const storage = options.storage ?? createFileStorage(options.dataDir, {sync: options.sync});
  await storage.open();
  const collector: Collector = {settings, storage};
  const server = createServer((request, response) => void handle(collector, request, response));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, settings.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    host: settings.host,
    storage,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }).then(() => storage.close()),
  };
}
