// Session tokens and session hashes, signed with HMAC-SHA256 so that any
// collector sharing the secret can check them without shared state.
//   token = base64url(JSON {p: projectKey, s: sessionID, exp}) "." base64url(mac)
//   hash  = sessionID "." base64url(HMAC("hash:" projectKey ":" sessionID))[0..22]
// The token names its session, so it can never write into another one.
import {createHmac, timingSafeEqual} from 'node:crypto';

export interface TokenClaims {
  projectKey: string;
  sessionID: string;
  expiresAt: number;
}

export type TokenCheck = {ok: true; claims: TokenClaims} | {ok: false; problem: 'malformed' | 'bad signature' | 'expired'};

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function signToken(secret: string, claims: TokenClaims): string {
  const payload = Buffer.from(JSON.stringify({p: claims.projectKey, s: claims.sessionID, exp: claims.expiresAt})).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyToken(secret: string, token: string, now = Date.now()): TokenCheck {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return {ok: false, problem: 'malformed'};
  if (!sameText(signature, mac(secret, payload))) return {ok: false, problem: 'bad signature'};
  let body: {p?: unknown; s?: unknown; exp?: unknown};
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return {ok: false, problem: 'malformed'};
  }
  if (typeof body.p !== 'string' || typeof body.s !== 'string' || typeof body.exp !== 'number') return {ok: false, problem: 'malformed'};
  if (body.exp <= now) return {ok: false, problem: 'expired'};
  return {ok: true, claims: {projectKey: body.p, sessionID: body.s, expiresAt: body.exp}};
}

export function signSessionHash(secret: string, projectKey: string, sessionID: string): string {
  return `${sessionID}.${mac(secret, `hash:${projectKey}:${sessionID}`).slice(0, 22)}`;
}

/** The sessionID a hash vouches for in this project, or null. */
export function verifySessionHash(secret: string, projectKey: string, hash: string): string | null {
  const dot = hash.lastIndexOf('.');
  if (dot <= 0) return null;
  const sessionID = hash.slice(0, dot);
  return sameText(hash, signSessionHash(secret, projectKey, sessionID)) ? sessionID : null;
}
