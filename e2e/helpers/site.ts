// A small web server for the pages under test, with knobs a CDN or a proxy
// would give: delay or fail the bundle, add a CSP, count requests. Each site
// listens on its own port, so two sites are two origins.
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {readFileSync} from 'node:fs';
import type {AddressInfo} from 'node:net';
import {fillSnippet} from '../../loader/fillSnippet.mjs';

export interface SiteOptions {
  /** Delay before the bundle's response, in ms. */
  bundleDelayMs?: number;
  /** Answer the bundle with this status instead of the file. */
  bundleStatus?: number;
  /**
   * Leave out the delivery worker (dist/tracker-worker.js), as a site that
   * deploys the bundle alone would: the page then gzips and sends itself. It is
   * served beside the bundle otherwise, as the package ships it.
   */
  noWorker?: boolean;
}

export interface Site {
  origin: string;
  options: SiteOptions;
  /** How often the bundle was requested. */
  bundleRequests: number;
  /** How often the delivery worker was requested. */
  workerRequests: number;
  /** Serves `html` at `path` with extra response headers (a CSP, say). */
  page(path: string, html: string, headers?: Record<string, string>): string;
  /** Serves any file at `path`. */
  file(path: string, body: string | Uint8Array, contentType: string): void;
  /** Answers `path` with a handler of its own (streams, echoes, errors). */
  handle(path: string, handler: (request: IncomingMessage, response: ServerResponse) => void): void;
  stop(): Promise<void>;
}

export const NONCE = 'n0nce-for-tests';

export function snippet(bundleUrl: string, ingestPoint: string, initOptions: object = {}, projectKey = 'demo'): string {
  const template = readFileSync('dist/snippet.html', 'utf8');
  const options = initOptions;
  // fillSnippet refuses an empty key; a test of the bundle's own check edits it out.
  if (projectKey === '') return fillSnippet(template, {bundleUrl, projectKey: 'EMPTY-KEY', ingestPoint, options}).replace("'EMPTY-KEY'", "''");
  return fillSnippet(template, {bundleUrl, projectKey, ingestPoint, options});
}

export function htmlPage(head: string, body = '<h1>test page</h1>'): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>test</title>${head}</head><body>${body}</body></html>`;
}

export async function startSite(options: SiteOptions = {}): Promise<Site> {
  const bundle = readFileSync('dist/tracker.js');
  const worker = readFileSync('dist/tracker-worker.js');
  const pages = new Map<string, {html: string | Uint8Array; headers: Record<string, string>}>();
  const handlers = new Map<string, (request: IncomingMessage, response: ServerResponse) => void>();
  const site: Site = {
    origin: '',
    options,
    bundleRequests: 0,
    workerRequests: 0,
    page(path, html, headers = {}) {
      pages.set(path, {html, headers: {'Content-Type': 'text/html; charset=utf-8', ...headers}});
      return `${site.origin}${path}`;
    },
    file(path, body, contentType) {
      pages.set(path, {html: body, headers: {'Content-Type': contentType}});
    },
    handle(path, handler) {
      handlers.set(path, handler);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/tracker.js') {
      site.bundleRequests++;
      if (site.options.bundleDelayMs) await new Promise((r) => setTimeout(r, site.options.bundleDelayMs));
      if (site.options.bundleStatus) {
        response.writeHead(site.options.bundleStatus, {'Access-Control-Allow-Origin': '*'});
        response.end('not here');
        return;
      }
      response.writeHead(200, {
        'Content-Type': 'text/javascript',
        'Access-Control-Allow-Origin': '*',
        'Cache-Control': 'no-store',
      });
      response.end(bundle);
      return;
    }
    if (path === '/tracker-worker.js' && !site.options.noWorker) {
      site.workerRequests++;
      response.writeHead(200, {'Content-Type': 'text/javascript', 'Cache-Control': 'no-store'});
      response.end(worker);
      return;
    }
    const handler = handlers.get(path);
    if (handler) return handler(request, response);
    const page = pages.get(path);
    if (!page) {
      response.writeHead(404, {'Content-Type': 'text/plain'});
      response.end('no such page');
      return;
    }
    response.writeHead(200, {'Cache-Control': 'no-store', ...page.headers});
    response.end(page.html);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  site.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return site;
}
