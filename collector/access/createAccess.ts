// Who may use the read side, and what they did there.
//
// A request shows an access key as `Authorization: Bearer <key>` (API
// clients, Prometheus), or the cookie of a login session (the viewer): a
// random id the collector handed out in exchange for a key or a one-time
// login link, kept in storage by its hash so that every collector sharing
// the storage honours it. The cookie never holds a key, and nothing secret
// ever travels in a URL's query (a login link carries its token in the
// fragment, which browsers do not send).
//
// Failures to show a valid key or link count per client address: past a
// burst, that address is answered 429 until its window ends, before its
// credential is even looked at.
//
// The audit log (storage `appendAudit`) gets every login and failed login,
// logout, read of a session's events, erasure, and first use of a key from
// an address this collector has not seen it use. A read of events or a login
// whose entry cannot be written (a full disk) is refused with 503: nothing is
// read unaudited.
import {randomBytes} from 'node:crypto';
import {HttpError} from '../lib/httpError';
import type {AuditEntry, Storage} from '../storage/storage';
import {hashSecret, roleAllows, type AccessKey, type KeyRing, type Role} from './accessKeys';

export const LOGIN_COOKIE = 'tracker_login';

export interface Principal {
  /** The access key's name: what the audit log calls them. */
  name: string;
  role: Role;
  /** The projects it may see; null: every project. */
  projects: string[] | null;
  /** The login session this request came with, if any (logout ends it). */
  loginIdHash?: string;
}

export interface FailedLoginLimit {
  /** Failures from one address within `windowSeconds` before it gets 429. */
  failures: number;
  windowSeconds: number;
}

export interface AccessOptions {
  keys: KeyRing;
  storage: Storage;
  /** Development only: no credential is needed, every request acts as an admin. */
  open: boolean;
  loginTtlMs: number;
  linkTtlMs: number;
  failedLogins: FailedLoginLimit;
  now: () => number;
  /** Counts logins by outcome (metrics). */
  counted?: (outcome: 'ok' | 'failed' | 'limited') => void;
}

export interface Access {
  readonly open: boolean;
  readonly loginTtlMs: number;
  /** The caller, or null when the request shows no credential at all. Throws 401 for a wrong key, 429 past the failure limit. */
  authenticate(request: {authorization?: string; cookie?: string; address: string}): Promise<Principal | null>;
  /** Exchanges a key or a login link for a login session: its cookie value and who it is. */
  login(credential: {key?: unknown; link?: unknown}, address: string): Promise<{principal: Principal; sessionID: string}>;
  logout(principal: Principal, address: string): Promise<void>;
  /** A one-time login link's token for this key, valid for linkTtlMs. */
  newLoginLink(keyName: string): Promise<{token: string; expiresAt: number}>;
  audit(who: Principal | null, address: string, action: string, fields?: Omit<AuditEntry, 'at' | 'actor' | 'action' | 'address'>): Promise<void>;
}

const DEVELOPER: Principal = {name: 'development', role: 'admin', projects: null};
const MAX_TRACKED = 10_000;

export function createAccess(options: AccessOptions): Access {
  const {keys, storage, now} = options;
  /** Failed logins by address, in their current window. */
  const failures = new Map<string, {count: number; until: number}>();
  /** Addresses each key was seen from by this collector. */
  const seenFrom = new Map<string, Set<string>>();

  const principalOf = (key: AccessKey, loginIdHash?: string): Principal => ({name: key.name, role: key.role, projects: key.projects, loginIdHash});

  const audit: Access['audit'] = (who, address, action, fields = {}) =>
    storage.appendAudit({at: now(), actor: who?.name ?? null, action, address, ...fields});

  function refuseIfLimited(address: string): void {
    const window = failures.get(address);
    if (!window || window.until <= now() || window.count < options.failedLogins.failures) return;
    options.counted?.('limited');
    const seconds = Math.max(1, Math.ceil((window.until - now()) / 1000));
    throw new HttpError(429, `too many failed logins from this address: try again in ${seconds} s`, {'Retry-After': String(seconds)});
  }

  async function fail(address: string, detail: string, message: string): Promise<never> {
    const at = now();
    let window = failures.get(address);
    if (!window || window.until <= at) {
      window = {count: 0, until: at + options.failedLogins.windowSeconds * 1000};
      failures.delete(address);
      if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value!);
      failures.set(address, window);
    }
    window.count++;
    options.counted?.('failed');
    await audit(null, address, 'login_failed', {detail});
    throw new HttpError(401, message);
  }

  // Best effort, unlike the entries of reads and erasures: a storage that
  // cannot write (a full disk) must not stop the sessions list. The address
  // counts as seen only once its entry is written, so it is tried again.
  async function noteAddress(principal: Principal, address: string): Promise<void> {
    let seen = seenFrom.get(principal.name);
    if (!seen) seenFrom.set(principal.name, (seen = new Set()));
    if (seen.has(address)) return;
    try {
      await audit(principal, address, 'key_new_address', {detail: `first use of key ${principal.name} from ${address} seen by this collector`});
    } catch {
      return;
    }
    if (seen.size >= MAX_TRACKED) seen.clear();
    seen.add(address);
  }

  return {
    open: options.open,
    loginTtlMs: options.loginTtlMs,

    async authenticate({authorization, cookie, address}) {
      if (options.open) return DEVELOPER;
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
      if (bearer !== undefined) {
        refuseIfLimited(address);
        const key = keys.find(bearer);
        if (!key) return fail(address, 'an unknown key as bearer token', 'this key is not one of the collector\'s access keys (a key removed from its keys file no longer works)');
        const principal = principalOf(key);
        await noteAddress(principal, address);
        return principal;
      }
      const loginID = readCookie(cookie, LOGIN_COOKIE);
      if (loginID === null) return null;
      const idHash = hashSecret(loginID);
      const login = await storage.getLogin(idHash, now());
      const key = login?.kind === 'session' ? keys.byName(login.keyName) : undefined;
      if (!key) throw new HttpError(401, 'your login has expired or ended: log in again');
      const principal = principalOf(key, idHash);
      await noteAddress(principal, address);
      return principal;
    },

    async login(credential, address) {
      refuseIfLimited(address);
      let key: AccessKey | undefined;
      if (typeof credential.key === 'string' && credential.key) {
        key = keys.find(credential.key);
        if (!key) await fail(address, 'an unknown key', 'that is not an access key of this collector');
      } else if (typeof credential.link === 'string' && credential.link) {
        const link = await storage.takeLogin(hashSecret(credential.link));
        if (!link || link.kind !== 'link' || link.expiresAt <= now()) {
          await fail(address, 'a used, expired or unknown login link', 'this login link was used already or has expired: ask for a new one, or log in with a key');
        }
        key = keys.byName(link!.keyName);
        if (!key) await fail(address, `a login link of the removed key ${link!.keyName}`, 'the key this login link was made for no longer exists');
      } else {
        throw new HttpError(400, 'send {"key": "<access key>"} or {"link": "<login link token>"} as JSON');
      }
      const sessionID = randomBytes(32).toString('base64url');
      const createdAt = now();
      await storage.putLogin({idHash: hashSecret(sessionID), kind: 'session', keyName: key!.name, createdAt, expiresAt: createdAt + options.loginTtlMs});
      const principal = principalOf(key!, hashSecret(sessionID));
      seenFrom.get(principal.name)?.add(address) ?? seenFrom.set(principal.name, new Set([address]));
      await audit(principal, address, 'login', {detail: typeof credential.key === 'string' ? 'with a key' : 'with a login link'});
      options.counted?.('ok');
      return {principal, sessionID};
    },

    async logout(principal, address) {
      if (principal.loginIdHash) await storage.takeLogin(principal.loginIdHash);
      await audit(principal, address, 'logout');
    },

    async newLoginLink(keyName) {
      if (!keys.byName(keyName)) throw new HttpError(404, `there is no access key named ${JSON.stringify(keyName)}: a login link logs in as an existing key`);
      const token = randomBytes(24).toString('base64url');
      const createdAt = now();
      const expiresAt = createdAt + options.linkTtlMs;
      await storage.putLogin({idHash: hashSecret(token), kind: 'link', keyName, createdAt, expiresAt});
      return {token, expiresAt};
    },

    audit,
  };
}

/** Whether the principal may act on a session of this project. */
export const mayAccessProject = (principal: Principal, projectKey: string) => !principal.projects || principal.projects.includes(projectKey);

export function requireRole(principal: Principal, role: Role): void {
  if (!roleAllows(principal.role, role)) throw new HttpError(403, `this needs the ${role} role; the key ${principal.name} has the ${principal.role} role`);
}

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const equals = part.indexOf('=');
    if (equals < 0 || part.slice(0, equals).trim() !== name) continue;
    const value = part.slice(equals + 1).trim();
    return value || null;
  }
  return null;
}

/** The login cookie: HttpOnly (no script reads it), SameSite=Strict, Secure behind HTTPS. Max-Age 0 removes it. */
export function loginCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${LOGIN_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
