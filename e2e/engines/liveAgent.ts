// The agent's side of Assist for the engine scenarios: a `ws` client on the
// real collector's agent channel (/api/live/<sessionID>), as an API client
// with the admin key, keeping every frame it receives in order. The page's
// side runs in the engine under test; the agent's needs no browser.
import {WebSocket} from 'ws';
import {adminHeaders} from '../helpers/collector';
import type {AgentFrame, ToAgentFrame} from '../../bundle/assist/protocol';

export type Ev = Extract<ToAgentFrame, {t: 'ev'}>;

export interface LiveAgent {
  /** Every frame received so far, in order. */
  received: ToAgentFrame[];
  /** The next unread frame that `match` accepts (earlier unread ones are skipped); rejects after `timeoutMs`. */
  next<T extends ToAgentFrame = ToAgentFrame>(match: (frame: ToAgentFrame) => boolean, timeoutMs?: number): Promise<T>;
  send(frame: AgentFrame): void;
  close(): Promise<void>;
}

/** Opens an agent channel on the session; rejects with the HTTP status if the upgrade is refused. */
export async function joinAsAgent(collectorUrl: string, sessionID: string): Promise<LiveAgent> {
  const socket = new WebSocket(`${collectorUrl.replace(/^http/, 'ws')}/api/live/${encodeURIComponent(sessionID)}`, {headers: adminHeaders});
  const received: ToAgentFrame[] = [];
  const waiters = new Set<() => void>();
  let read = 0;
  socket.on('message', (data) => {
    received.push(JSON.parse(data.toString()));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`the agent channel was refused with ${response.statusCode}`));
      response.resume();
      socket.terminate();
    });
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  return {
    received,
    send: (frame) => socket.send(JSON.stringify(frame)),
    close() {
      socket.close();
      return closed;
    },
    next<T extends ToAgentFrame>(match: (frame: ToAgentFrame) => boolean, timeoutMs = 15_000) {
      return new Promise<T>((resolve, reject) => {
        const look = () => {
          for (let i = read; i < received.length; i++) {
            if (!match(received[i])) continue;
            read = i + 1;
            waiters.delete(look);
            clearTimeout(timer);
            resolve(received[i] as T);
            return;
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          const unread = JSON.stringify(received.slice(read)).slice(0, 800);
          reject(new Error(`the agent got no frame matching ${match.toString()} within ${timeoutMs} ms; unread: ${unread}`));
        }, timeoutMs);
        waiters.add(look);
        look();
      });
    },
  };
}

/** An `ev` frame carrying an event of this rrweb type (2 full snapshot, 3 incremental). */
export const evWith = (type: number, contains = '') => (frame: ToAgentFrame) =>
  frame.t === 'ev' && frame.events.some((event) => event.type === type && JSON.stringify(event).includes(contains));

export const controlState = (state: string) => (frame: ToAgentFrame) => frame.t === 'control' && frame.state === state;

/** The rrweb id of the element with this id attribute in a full snapshot, or null. */
export function snapshotIdOf(frame: Ev, elementId: string): number | null {
  const visit = (node: any): number | null => {
    if (node?.attributes?.id === elementId) return node.id;
    for (const child of node?.childNodes ?? []) {
      const found = visit(child);
      if (found !== null) return found;
    }
    return null;
  };
  const snapshot = frame.events.find((event) => event.type === 2);
  return snapshot ? visit((snapshot.data as any)?.node) : null;
}
