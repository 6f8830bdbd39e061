// GET / and /viewer/<file>: the replay viewer's files, from the directory
// given as `viewerDir`. They hold no session data and are served to anyone:
// without a login the viewer shows its login form (access/handleLogin.ts).
import {readFile} from 'node:fs/promises';
import {extname, resolve, sep} from 'node:path';
import {HttpError} from '../lib/httpError';
import type {Handler, Reply} from '../http/route';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const handleViewer: Handler = async ({url}, collector): Promise<Reply> => {
  if (!collector.viewerDir) {
    throw new HttpError(404, 'no replay viewer is installed on this collector: build it with "npm run build", or use the JSON API at /api/sessions');
  }
  const root = resolve(collector.viewerDir);
  let path = '';
  try {
    path = resolve(root, url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice('/viewer/'.length)));
  } catch {
    // A malformed %-escape: no such file.
  }
  if (!path.startsWith(root + sep)) throw new HttpError(404, `no viewer file ${url.pathname}`);
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    throw new HttpError(404, url.pathname === '/' ? `the replay viewer is not built: ${path} is missing (run "npm run build")` : `no viewer file ${url.pathname}`);
  }
  return {
    status: 200,
    body,
    headers: {'Content-Type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache'},
  };
};
