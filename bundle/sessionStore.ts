// Where a tab keeps its session (sessionStorage, per project) and the browser
// keeps its user (localStorage). Storage can throw (Safari private mode,
// sandboxed iframes, quota): every access fails soft and the tracker works on
// with what it has in memory.

export interface StoredSession {
  sessionID: string;
  sessionToken: string;
  sessionHash: string;
  lastActivityAt: number;
}

const sessionKey = (projectKey: string) => `tracker:session:${projectKey}`;
const samplingKey = (projectKey: string) => `tracker:sampling:${projectKey}`;
const USER_KEY = 'tracker:userUUID';
const TAB_KEY = 'tracker:tab';

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Not kept: a reload starts a new session, which is the best we can do.
  }
}

const tabStorage = () => sessionStorage;
const browserStorage = () => localStorage;

export function readStoredSession(projectKey: string): StoredSession | null {
  try {
    const stored = JSON.parse(read(tabStorage, sessionKey(projectKey)) || 'null');
    return stored && typeof stored.sessionToken === 'string' ? stored : null;
  } catch {
    return null;
  }
}

export function storeSession(projectKey: string, session: StoredSession | null): void {
  write(tabStorage, sessionKey(projectKey), session && JSON.stringify(session));
}

export function readUserUUID(): string | null {
  return read(browserStorage, USER_KEY);
}

export function storeUserUUID(userUUID: string): void {
  write(browserStorage, USER_KEY, userUUID);
}

/** The sampling decision of this tab's session (bundle/sampling.ts) and when it was last used. */
export function readSampling(projectKey: string): {decision: 'record' | 'buffer' | 'out'; at: number} | null {
  try {
    const stored = JSON.parse(read(tabStorage, samplingKey(projectKey)) || 'null');
    return stored && /^(record|buffer|out)$/.test(stored.decision) && typeof stored.at === 'number' ? stored : null;
  } catch {
    return null;
  }
}

export function storeSampling(projectKey: string, decision: 'record' | 'buffer' | 'out', at: number): void {
  write(tabStorage, samplingKey(projectKey), JSON.stringify({decision, at}));
}

/**
 * This tab's id for the live channel, kept across its page loads. A duplicated
 * tab starts with a copy of sessionStorage, so the id is taken out of storage
 * while a page holds it and put back only as the page goes (pagehide: a
 * reload, a navigation): the copy a duplicate gets has no id in it, and the
 * duplicate makes its own. (A page restored from the back-forward cache leaves
 * the id in storage: a duplicate of that tab would share it.)
 */
export function claimTabID(): string {
  const id = read(tabStorage, TAB_KEY) || Math.random().toString(36).slice(2);
  write(tabStorage, TAB_KEY, null);
  addEventListener('pagehide', () => write(tabStorage, TAB_KEY, id));
  return id;
}
