// For the live tests: tracker and agent channels as the `ws` client, with
// every frame they receive kept in order, and waits for the next one that
// matches.
import {WebSocket} from 'ws';
import {after} from 'node:test';

export interface Channel {
  socket: WebSocket;
  /** Every frame received so far, in order. */
  received: any[];
  /** The next unread frame that matches (earlier unread ones are skipped); rejects after `ms`. */
  next(match?: Partial<Record<string, unknown>> | ((frame: any) => boolean), ms?: number): Promise<any>;
  send(frame: unknown): void;
  /** The close code, once closed. */
  closed: Promise<number>;
  close(): Promise<number>;
}

const open: WebSocket[] = [];
after(() => {
  for (const socket of open) socket.terminate();
});

export function wsUrl(url: string, path: string): string {
  return url.replace(/^http/, 'ws') + path;
}

function channel(socket: WebSocket): Channel {
  open.push(socket);
  const received: any[] = [];
  let read = 0;
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    received.push(JSON.parse(data.toString()));
    for (const wake of waiters) wake();
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  const matches = (match: Parameters<Channel['next']>[0], frame: any) =>
    match === undefined ? true : typeof match === 'function' ? match(frame) : Object.entries(match).every(([key, value]) => JSON.stringify(frame[key]) === JSON.stringify(value));
  return {
    socket,
    received,
    closed,
    send: (frame) => socket.send(JSON.stringify(frame)),
    close() {
      socket.close();
      return closed;
    },
    next(match, ms = 2000) {
      return new Promise((resolve, reject) => {
        const look = () => {
          for (let i = read; i < received.length; i++) {
            if (!matches(match, received[i])) continue;
            read = i + 1;
            waiters.delete(look);
            clearTimeout(timer);
            resolve(received[i]);
            return;
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no frame matching ${typeof match === 'function' ? match.toString() : JSON.stringify(match)} within ${ms} ms; received ${JSON.stringify(received.slice(read)).slice(0, 500)}`));
        }, ms);
        waiters.add(look);
        look();
      });
    },
  };
}

/** Resolves once the socket opened, or with the HTTP status the upgrade was refused with. */
function opened(socket: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}

export interface TrackerHelloOptions {
  tab?: string;
  url?: string;
  visible?: boolean;
  pageID?: number;
  headers?: Record<string, string>;
}

/** A tab's channel, hello sent with this token. */
export async function connectTracker(url: string, token: string, options: TrackerHelloOptions = {}): Promise<Channel> {
  const socket = new WebSocket(wsUrl(url, '/v1/web/live'), {headers: options.headers});
  const status = await opened(socket);
  if (status !== 101) throw new Error(`the tracker upgrade was answered ${status}`);
  const tracker = channel(socket);
  tracker.send({t: 'hello', token, tab: options.tab ?? 'tab-1', pageID: options.pageID ?? 1, url: options.url ?? 'http://shop.test/', visible: options.visible ?? true});
  return tracker;
}

/** An agent's channel; `status` is 101 when it opened, else the HTTP status of the refusal. */
export async function connectAgent(url: string, sessionID: string, headers: Record<string, string>): Promise<{status: number; agent: Channel}> {
  const socket = new WebSocket(wsUrl(url, `/api/live/${encodeURIComponent(sessionID)}`), {headers});
  const agent = channel(socket);
  return {status: await opened(socket), agent};
}

/** An agent that must connect. */
export async function watch(url: string, sessionID: string, headers: Record<string, string>): Promise<Channel> {
  const {status, agent} = await connectAgent(url, sessionID, headers);
  if (status !== 101) throw new Error(`the agent upgrade was answered ${status}`);
  return agent;
}

/** Polls until `check` returns true, or fails after `ms`. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 2000, what = 'the condition'): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the session's tab is in GET /api/live (the hello is checked asynchronously). */
export async function listed(url: string, sessionID: string, tab = 'tab-1', headers: Record<string, string> = {Authorization: 'Bearer test-admin-key-0123456789abcdef'}): Promise<number> {
  return eventually(async () => {
    const response = await fetch(`${url}/api/live`, {headers});
    const {sessions} = (await response.json()) as any;
    return sessions.some((session: any) => session.sessionID === sessionID && session.tabs.some((t: any) => t.tabID === tab));
  }, 2000, `tab ${tab} of ${sessionID} listed`);
}
