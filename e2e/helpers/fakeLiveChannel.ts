// The collector's end of a tab's live channel (bundle/assist/protocol.ts),
// played inside the test through Playwright's WebSocket routing: the page
// talks to `${ingestPoint}/v1/web/live` as it would to the collector, and the
// test sees every frame the page sends and sends the frames an agent's
// actions would make the collector send.
import type {Page, WebSocketRoute} from '@playwright/test';
import type {ToTrackerFrame, TrackerFrame} from '../../bundle/assist/protocol';

export interface FakeLiveChannel {
  /** Every frame the page sent, over all its connections, in order. */
  frames: TrackerFrame[];
  connections: number;
  send(frame: ToTrackerFrame): void;
  /** Waits for a frame (sent from now on, or already, with `since`) that `match` accepts. */
  waitFor<T extends TrackerFrame>(match: (frame: TrackerFrame) => frame is T, timeoutMs?: number, since?: number): Promise<T>;
  waitFor(match: (frame: TrackerFrame) => boolean, timeoutMs?: number, since?: number): Promise<TrackerFrame>;
  closeSocket(code: number): Promise<void>;
}

export async function fakeLiveChannel(page: Page): Promise<FakeLiveChannel> {
  let socket: WebSocketRoute | null = null;
  const waiters: (() => boolean)[] = [];
  const fake: FakeLiveChannel = {
    frames: [],
    connections: 0,
    send(frame) {
      if (!socket) throw new Error('the page has no live channel open');
      socket.send(JSON.stringify(frame));
    },
    waitFor(match: (frame: TrackerFrame) => boolean, timeoutMs = 10_000, since = fake.frames.length) {
      return new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(fake.frames).slice(0, 1500)}`)), timeoutMs);
        const check = () => {
          const found = fake.frames.slice(since).find(match);
          if (!found) return false;
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        if (!check()) waiters.push(check);
      });
    },
    async closeSocket(code) {
      await socket?.close({code});
    },
  };
  await page.routeWebSocket(/\/v1\/web\/live$/, (route) => {
    socket = route;
    fake.connections++;
    route.onMessage((message) => {
      fake.frames.push(JSON.parse(String(message)));
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]()) waiters.splice(i, 1);
    });
  });
  return fake;
}

/** The rrweb id of the first element in a full snapshot whose attributes include `attributes` (or that `attributes` accepts). */
export function snapshotNodeId(snapshot: unknown, attributes: Record<string, string> | ((node: any) => boolean)): number | null {
  const matches = (node: any) =>
    typeof attributes === 'function' ? attributes(node) : !!node?.attributes && Object.entries(attributes).every(([key, value]) => node.attributes[key] === value);
  const visit = (node: any): number | null => {
    if (node && matches(node)) return node.id;
    for (const child of node?.childNodes ?? []) {
      const found = visit(child);
      if (found !== null) return found;
    }
    return null;
  };
  return visit((snapshot as any)?.data?.node);
}
