// Sessions written straight to a collector, the way the tracker talks to it
// (handshake, then batches), with hand-made rrweb events. The viewer's tests
// use them to know exactly what a replay holds and when, without a browser
// recording it and without depending on what the bundle captures.

export interface ReplayEvent {
  type: number;
  data: any;
  timestamp: number;
}

const META = 4;
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const CUSTOM = 5;
const MOUSE_MOVE = 1;
const MUTATION = 0;

/** A shop page as rrweb's FullSnapshot describes it: ids 1-12, `#status` (text id 12) changes later. */
function shopSnapshot(timestamp: number): ReplayEvent {
  const text = (id: number, textContent: string) => ({type: 3, textContent, id});
  const element = (id: number, tagName: string, attributes: Record<string, string>, childNodes: object[]) => ({type: 2, tagName, attributes, childNodes, id});
  return {
    type: FULL_SNAPSHOT,
    timestamp,
    data: {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          {type: 1, name: 'html', publicId: '', systemId: '', id: 2},
          element(3, 'html', {lang: 'en'}, [
            element(4, 'head', {}, [element(5, 'style', {}, [text(6, 'body{font:16px sans-serif;margin:2rem} button{font-size:16px}')])]),
            element(7, 'body', {}, [
              element(8, 'h1', {}, [text(9, 'Checkout')]),
              element(10, 'button', {id: 'pay'}, [text(11, 'Pay now')]),
              element(13, 'p', {id: 'status'}, [text(12, 'ready')]),
            ]),
          ]),
        ],
      },
      initialOffset: {top: 0, left: 0},
    },
  };
}

const custom = (timestamp: number, tag: string, payload: object): ReplayEvent => ({type: CUSTOM, timestamp, data: {tag, payload}});

export interface ProblemSession {
  events: ReplayEvent[];
  /** Offsets (ms from the first event) of the rows the viewer should show. */
  at: Record<'log' | 'warn' | 'throttled' | 'consoleError' | 'ordersOk' | 'payFailed' | 'offline' | 'error' | 'navigation' | 'paid', number>;
  startUrl: string;
  navigatedUrl: string;
}

/**
 * A ten-second checkout that goes wrong: console output (with a throttled
 * burst), a request that works, one answered 500 (with headers and bodies),
 * one that never reached the server, an uncaught error, and a pushState
 * navigation.
 */
export function problemSession(start = Date.now() - 60_000): ProblemSession {
  const startUrl = 'https://shop.example/checkout';
  const navigatedUrl = 'https://shop.example/checkout/failed';
  const at = {log: 500, ordersOk: 1200, warn: 2000, throttled: 2600, payFailed: 4000, consoleError: 4300, offline: 5500, error: 6200, navigation: 7000, paid: 8500};
  const events: ReplayEvent[] = [
    {type: META, timestamp: start, data: {href: startUrl, width: 1024, height: 640}},
    shopSnapshot(start + 10),
  ];
  for (let t = 100; t <= 9800; t += 700) {
    events.push({type: INCREMENTAL, timestamp: start + t, data: {source: MOUSE_MOVE, positions: [{x: 100 + (t % 400), y: 120 + (t % 200), id: 10, timeOffset: 0}]}});
  }
  events.push(
    custom(start + at.log, 'tracker.console', {level: 'log', args: ['cart loaded', '{"items":2}']}),
    custom(start + at.ordersOk, 'tracker.network', {method: 'GET', url: 'https://shop.example/api/orders?page=1', status: 200, durationMs: 84, responseBytes: 2048, kind: 'fetch'}),
    custom(start + at.warn, 'tracker.console', {level: 'warn', args: ['slow response from /api/orders']}),
    custom(start + at.throttled, 'tracker.console', {throttled: 37}),
    custom(start + at.payFailed, 'tracker.network', {
      method: 'POST',
      url: 'https://shop.example/api/pay?token=[redacted]',
      status: 500,
      durationMs: 312,
      requestBytes: 58,
      responseBytes: 41,
      kind: 'xhr',
      requestHeaders: {'content-type': 'application/json'},
      responseHeaders: {'content-type': 'application/json', 'x-request-id': 'req-7731'},
      requestBody: '{"amount":42,"currency":"EUR"}',
      responseBody: '{"error":"card processor unavailable"}',
    }),
    {type: INCREMENTAL, timestamp: start + at.payFailed + 100, data: {source: MUTATION, texts: [{id: 12, value: 'payment failed'}], attributes: [], removes: [], adds: []}},
    custom(start + at.consoleError, 'tracker.console', {level: 'error', args: ['payment failed: 500']}),
    custom(start + at.offline, 'tracker.network', {method: 'GET', url: 'https://cdn.example/retry.js', status: 0, durationMs: 15, kind: 'fetch', error: 'Failed to fetch'}),
    custom(start + at.error, 'tracker.error', {
      kind: 'error',
      name: 'TypeError',
      message: "Cannot read properties of undefined (reading 'total')",
      stack: "TypeError: Cannot read properties of undefined (reading 'total')\n    at renderReceipt (https://shop.example/app.js:120:17)\n    at onPaid (https://shop.example/app.js:88:5)",
      source: 'https://shop.example/app.js',
      line: 120,
      column: 17,
    }),
    custom(start + at.navigation, 'tracker.navigation', {url: navigatedUrl, kind: 'pushState'}),
    custom(start + at.paid, 'tracker.event', {name: 'retry-clicked', payload: {attempt: 2}}),
    {type: INCREMENTAL, timestamp: start + 10_000, data: {source: MOUSE_MOVE, positions: [{x: 300, y: 300, id: 10, timeOffset: 0}]}},
  );
  events.sort((a, b) => a.timestamp - b.timestamp);
  return {events, at, startUrl, navigatedUrl};
}

/** A session where nothing goes wrong, on another URL, with a `signup` event. */
export function cleanSession(start = Date.now() - 120_000): {events: ReplayEvent[]; url: string} {
  const url = 'https://blog.example/welcome';
  const events: ReplayEvent[] = [
    {type: META, timestamp: start, data: {href: url, width: 1024, height: 640}},
    shopSnapshot(start + 10),
    custom(start + 500, 'tracker.network', {method: 'GET', url: 'https://blog.example/api/posts', status: 200, durationMs: 40, kind: 'fetch'}),
    custom(start + 1000, 'tracker.event', {name: 'signup', payload: {}}),
    {type: INCREMENTAL, timestamp: start + 2000, data: {source: MOUSE_MOVE, positions: [{x: 300, y: 300, id: 10, timeOffset: 0}]}},
  ];
  return {events, url};
}

/** Ten seconds of a page logging every 60 ms (150 lines, more than the panel shows at once), then a custom event. */
export function chattySession(start = Date.now() - 60_000): {events: ReplayEvent[]; lines: number; eventAt: number} {
  const lines = 150;
  const eventAt = 9500;
  const events: ReplayEvent[] = [{type: META, timestamp: start, data: {href: 'https://chatty.example/', width: 1024, height: 640}}, shopSnapshot(start + 10)];
  for (let i = 0; i < lines; i++) events.push(custom(start + 100 + i * 60, 'tracker.console', {level: 'log', args: [`line ${i + 1}`]}));
  events.push(custom(start + eventAt, 'tracker.event', {name: 'done'}));
  events.push({type: INCREMENTAL, timestamp: start + 10_000, data: {source: MOUSE_MOVE, positions: [{x: 300, y: 300, id: 10, timeOffset: 0}]}});
  return {events, lines, eventAt};
}

/** Opens a session on the collector and posts `events` in batches of `batchSize`, in order; returns the sessionID. */
export async function postSession(collectorUrl: string, events: ReplayEvent[], {url = events.find((e) => e.type === META)?.data.href ?? 'https://example.test/', userID = 'synthetic-user', batchSize = 40} = {}): Promise<string> {
  const started = await fetch(`${collectorUrl}/v1/web/start`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({projectKey: 'demo', url, referrer: '', userID, viewport: {width: 1024, height: 640}, timestamp: events[0]?.timestamp}),
  });
  if (!started.ok) throw new Error(`handshake: ${started.status} ${await started.text()}`);
  const {sessionID, sessionToken, pageID} = await started.json();
  for (let seq = 0; seq * batchSize < events.length; seq++) {
    const batch = events.slice(seq * batchSize, (seq + 1) * batchSize);
    const stored = await fetch(`${collectorUrl}/v1/web/i?page=${pageID}&seq=${seq}`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', Authorization: `Bearer ${sessionToken}`},
      body: JSON.stringify(batch),
    });
    if (!stored.ok) throw new Error(`batch ${seq}: ${stored.status} ${await stored.text()}`);
  }
  return sessionID;
}
