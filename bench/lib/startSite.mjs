// A static web server for the bench pages and their assets on 127.0.0.1. Every
// response is uncached and CORS-open (the snippet loads the bundle with
// crossOrigin="anonymous"), the same for every variant.
import {createServer} from 'node:http';

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
  json: 'application/json',
};

export async function startSite() {
  const files = new Map();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = files.get(path);
    // Browsers ask for it on every page; answering keeps 404s out of the console.
    if (path === '/favicon.ico') {
      response.writeHead(204);
      response.end();
      return;
    }
    if (!file) {
      response.writeHead(404, {'Content-Type': 'text/plain'});
      response.end('not found');
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[path.split('.').pop()] ?? 'application/octet-stream',
      'Content-Length': file.length,
      'Cache-Control': 'no-store',
      'Access-Control-Allow-Origin': '*',
    });
    response.end(file);
  });
  server.keepAliveTimeout = 5000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    /** Serves `body` at `path` (its extension picks the type) and returns its URL. */
    put(path, body) {
      files.set(path, Buffer.from(body));
      return `${origin}${path}`;
    },
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
