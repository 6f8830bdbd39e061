// Session tokens and session hashes, signed with HMAC-SHA256 so that any
// collector holding the secret can check them without shared state, and a
// token of one session can never be turned into a token of another.
//
//   token        base64url(JSON {p: projectKey, s: sessionID, exp: ms}) "." base64url(HMAC(payload part))
//   sessionHash  sessionID "." base64url(HMAC("hash:" projectKey ":" sessionID)), first 22 characters
//
// The hash never expires: it is what carries a session to another origin (a
// payment gateway and back), where the session's own inactivity timeout
// decides whether it may still be resumed.
import {createHmac, timingSafeEqual} from 'node:crypto';

export interface TokenClaims {
  projectKey: string;
  sessionID: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

export type TokenCheck =
  | ({ok: true} & TokenClaims)
  | {ok: false; problem: 'malformed'}
  | {ok: false; problem: 'bad-signature'}
  | {ok: false; problem: 'expired'; expiredAt: number};

const HASH_MAC_LENGTH = 22;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest();

export function signToken(secret: string, claims: TokenClaims): string {
  const payload = Buffer.from(JSON.stringify({p: claims.projectKey, s: claims.sessionID, exp: claims.expiresAt})).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function verifyToken(secret: string, token: string, now = Date.now()): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 2 || !BASE64URL.test(parts[0]) || !BASE64URL.test(parts[1])) return {ok: false, problem: 'malformed'};
  const [payload, signature] = parts;
  // Compared as text, not decoded bytes: base64url decoding ignores the last
  // character's spare bits, and a token must have one spelling only.
  const given = Buffer.from(signature);
  const expected = Buffer.from(mac(secret, payload).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return {ok: false, problem: 'bad-signature'};
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return {ok: false, problem: 'malformed'};
  }
  const {p, s, exp} = (claims ?? {}) as Record<string, unknown>;
  if (typeof p !== 'string' || typeof s !== 'string' || typeof exp !== 'number') return {ok: false, problem: 'malformed'};
  if (exp <= now) return {ok: false, problem: 'expired', expiredAt: exp};
  return {ok: true, projectKey: p, sessionID: s, expiresAt: exp};
}

export function signSessionHash(secret: string, projectKey: string, sessionID: string): string {
  return `${sessionID}.${mac(secret, `hash:${projectKey}:${sessionID}`).toString('base64url').slice(0, HASH_MAC_LENGTH)}`;
}

/** The session ID a hash stands for, when the hash was signed for this project with this secret. */
export function verifySessionHash(secret: string, projectKey: string, hash: string): string | null {
  const dot = hash.lastIndexOf('.');
  if (dot <= 0) return null;
  const sessionID = hash.slice(0, dot);
  const expected = Buffer.from(signSessionHash(secret, projectKey, sessionID));
  const given = Buffer.from(hash);
  return given.length === expected.length && timingSafeEqual(given, expected) ? sessionID : null;
}
