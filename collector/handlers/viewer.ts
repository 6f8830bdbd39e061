// The replay viewer's files (built into dist/viewer), served like the read API.
// The CSP lets the replay show the recorded site's images and fonts.
import {readFile} from 'node:fs/promises';
import {join} from 'node:path';
import type {Collector} from '../context';
import {HttpError, type RequestContext} from '../http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

async function serveFile(collector: Collector, context: RequestContext, name: string): Promise<void> {
  const dir = collector.settings.viewerDir;
  if (!dir) throw new HttpError(404, 'the viewer is not built: run npm run build');
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) throw new HttpError(404, `no viewer file ${name}`);
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch {
    throw new HttpError(404, `no viewer file ${name}`);
  }
  context.response.writeHead(200, {
    'Content-Type': TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data: blob:; media-src *; font-src * data:; frame-src 'self'",
    ...context.headers,
  });
  context.response.end(body);
}

export const viewerIndex = (collector: Collector, context: RequestContext) => serveFile(collector, context, 'index.html');
export const viewerAsset = (collector: Collector, context: RequestContext) => serveFile(collector, context, context.params.file);
