// Routes that change something (erasure, login, logout) are refused when a
// browser sends them from another origin: a page on another port of the same
// host is "same-site", so the SameSite=Strict login cookie alone would not
// stop it.
//
// Browsers say where a request comes from in Sec-Fetch-Site (every current
// engine); older ones send Origin, checked against the Host the request was
// sent to (behind trusted proxies, X-Forwarded-Host when there is one: tell
// nginx `proxy_set_header Host $host;`). A request with neither comes from no
// web page (curl, a script with a key), and passes.
import type {IncomingMessage} from 'node:http';
import {HttpError} from '../lib/httpError';

export function refuseCrossOrigin(req: IncomingMessage, trustedProxies: number): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw new HttpError(403, `refused: this request came from another site (Sec-Fetch-Site: ${site}); use the viewer on this collector's own address`);
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const forwarded = trustedProxies > 0 ? lastValue(req.headers['x-forwarded-host']) : undefined;
  const host = forwarded ?? req.headers.host;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // "null" (a sandboxed frame, a file): never the collector's own origin.
  }
  if (!host || originHost !== host) throw new HttpError(403, `refused: this request came from ${origin}, not from this collector's own address`);
}

function lastValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.at(-1) : header;
  return value?.split(',').at(-1)?.trim() || undefined;
}
