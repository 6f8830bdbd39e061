// Who may read sessions: anyone who can reach a collector listening on
// loopback only; otherwise whoever shows the read secret, as
// `Authorization: Bearer <secret>`, `?key=<secret>`, or the cookie the viewer
// gets when opened as `/?key=<secret>` (so its own API calls need no key).
import {createHash, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage} from 'node:http';

export const READ_COOKIE = 'tracker_read';

export interface ReadAccess {
  /** No secret needed (loopback). */
  open: boolean;
  allows(req: IncomingMessage, url: URL): boolean;
  /** A Set-Cookie value that lets this browser read, when the request showed the secret in `?key=`. */
  cookieFor(url: URL): string | null;
}

export function createReadAccess(open: boolean, secret: string): ReadAccess {
  // Comparing digests keeps the comparison constant-time whatever the length given.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const expected = digest(secret);
  const matches = (given: string | null | undefined) => !!given && timingSafeEqual(digest(given), expected);

  return {
    open,
    allows(req, url) {
      if (open) return true;
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      return matches(bearer) || matches(url.searchParams.get('key')) || matches(readCookie(req, READ_COOKIE));
    },
    cookieFor(url) {
      if (open || !matches(url.searchParams.get('key'))) return null;
      return `${READ_COOKIE}=${encodeURIComponent(secret)}; Path=/; HttpOnly; SameSite=Strict`;
    },
  };
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return null;
      }
    }
  }
  return null;
}
