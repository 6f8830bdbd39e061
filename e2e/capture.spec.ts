// What went wrong (SPEC section 5): errors, console, network and navigation
// captured into the session, in the real browser against the real collector,
// while the page behaves exactly as it would without the tracker.
import {storedText} from './helpers/storedText';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Page} from '@playwright/test';
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording, EXPECTED_ERROR} from './fixtures';
import {adminHeaders, type RunningCollector, type StoredSession} from './helpers/collector';
import type {Site} from './helpers/site';

const FAST = {flushIntervalMs: 200};

const payloads = (session: StoredSession, tag: string) => customEvents(session, tag).map((event) => event.data.payload);

/** Starts the tracker on a fresh page of `site` and waits until rrweb records. */
async function recordPage(page: Page, site: Site, collector: RunningCollector, setup: Parameters<typeof trackedPage>[2] = {}) {
  await page.goto(trackedPage(site, collector, {...setup, initOptions: {...FAST, ...setup.initOptions}}));
  const result = await startTracker(page);
  expect(result.success).toBe(true);
  await waitForRecording(page);
  return result.sessionID as string;
}

function readBodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
  });
}

/** Endpoints a page fetches: JSON, 404, an echo, slow answers, and streams the test releases step by step. */
function serveApi(site: Site) {
  const json = (response: ServerResponse, status: number, value: unknown) => {
    const body = JSON.stringify(value);
    response.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)});
    response.end(body);
  };
  site.handle('/api/data', (_request, response) => json(response, 200, {ok: true, items: [1, 2, 3]}));
  site.handle('/api/missing', (_request, response) => json(response, 404, {error: 'not here'}));
  site.handle('/api/echo', async (request, response) => {
    const body = await readBodyOf(request);
    json(response, 200, {method: request.method, received: body, authorization: request.headers.authorization ?? null});
  });
  site.handle('/api/slow', (_request, response) => {
    const timer = setTimeout(() => json(response, 200, {late: true}), 5000);
    response.on('close', () => clearTimeout(timer));
  });
  // Streams whose second part is sent only when the page asks for it: the page
  // can only finish if it got the first part while the response was still open.
  const streams: Array<[string, string, string, string]> = [
    ['/api/stream', '/api/stream-next', 'text/plain', 'one|two'],
    ['/api/events', '/api/events-next', 'text/event-stream', 'data: first\n\n|data: second\n\n'],
  ];
  for (const [path, nextPath, type, parts] of streams) {
    const [first, second] = parts.split('|');
    let open: ServerResponse | null = null;
    site.handle(path, (_request, response) => {
      response.writeHead(200, {'Content-Type': type, 'Cache-Control': 'no-store'});
      response.write(first);
      open = response;
    });
    site.handle(nextPath, (_request, response) => {
      open?.end(second);
      json(response, 200, {released: true});
    });
  }
}

test.describe('errors', () => {
  test('an uncaught error is stored as tracker.error with message, name, stack, source, line and column', async ({page, site, collector}) => {
    site.file('/app.js', `function explode() {\n  throw new TypeError('boom ${EXPECTED_ERROR}');\n}\nwindow.explodeLater = function () { setTimeout(explode, 0); };\n`, 'text/javascript');
    const sessionID = await recordPage(page, site, collector, {head: '<script src="/app.js"></script>'});
    await page.evaluate(() => (window as any).explodeLater());
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.error').length > 0);
    const [error] = payloads(session, 'tracker.error');
    expect(error).toMatchObject({kind: 'error', message: `boom ${EXPECTED_ERROR}`, name: 'TypeError', line: 2});
    expect(error.source).toBe(`${site.origin}/app.js`);
    expect(error.column).toBeGreaterThan(0);
    expect(error.stack).toContain('explode');
  });

  test('an unhandled rejection is stored as tracker.error of kind unhandledrejection', async ({page, site, collector}) => {
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate((marker) => {
      void Promise.reject(new RangeError(`rejected ${marker}`));
      void Promise.reject(`a plain reason ${marker}`);
    }, EXPECTED_ERROR);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.error').length >= 2);
    const [first, second] = payloads(session, 'tracker.error');
    expect(first).toMatchObject({kind: 'unhandledrejection', name: 'RangeError', message: `rejected ${EXPECTED_ERROR}`});
    expect(first.stack).toContain(`rejected ${EXPECTED_ERROR}`);
    expect(second).toEqual({kind: 'unhandledrejection', message: `a plain reason ${EXPECTED_ERROR}`});
  });

  test("the page's own window.onerror and error listeners still run, and the browser still reports the error", async ({page, site, collector}) => {
    const head = `<script>
      window.seen = [];
      window.onerror = function (message) { window.seen.push('onerror: ' + message); };
      addEventListener('error', function (event) { window.seen.push('listener: ' + event.message); });
    </script>`;
    const reported: string[] = [];
    page.on('pageerror', (error) => reported.push(error.message));
    const sessionID = await recordPage(page, site, collector, {head});
    await page.evaluate((marker) => setTimeout(() => {
      throw new Error(`thrown ${marker}`);
    }), EXPECTED_ERROR);
    await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.error').length > 0);
    const seen = await page.evaluate(() => (window as any).seen as string[]);
    expect(seen).toEqual([expect.stringContaining(`onerror: Uncaught Error: thrown ${EXPECTED_ERROR}`), expect.stringContaining(`listener: Uncaught Error: thrown ${EXPECTED_ERROR}`)]);
    expect(reported).toEqual([`thrown ${EXPECTED_ERROR}`]);
  });
});

test.describe('console', () => {
  test('every console level is stored as tracker.console, and the browser console still prints each call', async ({page, site, collector}) => {
    const printed: string[] = [];
    page.on('console', (message) => printed.push(`${message.type()}: ${message.text()}`));
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(() => {
      console.log('hello', 42, {a: 1});
      console.info('info line');
      console.warn('warn line');
      console.error('error line');
      console.debug('debug line');
      console.assert(false, 'asserted');
      console.assert(true, 'holds, so nothing is printed');
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.console').length >= 6);
    expect(payloads(session, 'tracker.console')).toEqual([
      {level: 'log', args: ['hello', '42', '{a: 1}']},
      {level: 'info', args: ['info line']},
      {level: 'warn', args: ['warn line']},
      {level: 'error', args: ['error line']},
      {level: 'debug', args: ['debug line']},
      {level: 'assert', args: ['asserted']},
    ]);
    expect(printed).toEqual(
      expect.arrayContaining(['log: hello 42 {a: 1}', 'info: info line', 'warning: warn line', 'error: error line', 'debug: debug line', 'assert: asserted']),
    );
    expect(printed.filter((line) => line.includes('holds'))).toEqual([]);
  });

  test("the tracker's own warnings are printed but not captured", async ({page, site, collector}) => {
    const printed: string[] = [];
    page.on('console', (message) => printed.push(message.text()));
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(() => {
      (window as any).tracker.setUserID(5);
      console.log('after the warning');
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.console').length >= 1);
    await page.waitForTimeout(500);
    expect(printed).toContain('tracker: setUserID expects a string');
    expect(payloads(await collector.session(sessionID), 'tracker.console')).toEqual([{level: 'log', args: ['after the warning']}]);
    expect(session).toBeTruthy();
  });

  test('arguments are serialized safely: circular, DOM nodes, Errors, Symbols, BigInt, throwing getters, long strings, deep objects', async ({page, site, collector}) => {
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(() => {
      const circular: any = {name: 'loop'};
      circular.self = circular;
      const div = document.createElement('div');
      div.id = 'card';
      div.className = 'big red';
      const tricky = {
        get boom() {
          throw new Error('getter');
        },
        ok: 1,
      };
      console.log(circular, div, new RangeError('bad range'), Symbol('sym'), BigInt(10), tricky, 'x'.repeat(5000), {a: {b: {c: {d: 1}}}}, new Array(1e6));
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.console').length >= 1);
    const [{args}] = payloads(session, 'tracker.console');
    expect(args[0]).toBe('{name: "loop", self: [Circular]}');
    expect(args[1]).toBe('<div#card.big.red>');
    expect(args[2]).toMatch(/^RangeError: bad range\n/);
    expect(args[2].split('\n').length).toBeGreaterThan(1);
    expect(args[3]).toBe('Symbol(sym)');
    expect(args[4]).toBe('10n');
    expect(args[5]).toBe('{boom: [getter threw Error: getter], ok: 1}');
    expect(args[6]).toBe(`${'x'.repeat(1000)}…`);
    expect(args[7]).toBe('{a: {b: {c: {…}}}}');
    expect(args[8].length).toBeLessThan(400);
    expect(args[8]).toMatch(/^\[undefined, .*…\]$/);
  });

  test('a 10,000-call console.log loop yields a bounded number of events and a throttled count', async ({page, site, collector}) => {
    const sessionID = await recordPage(page, site, collector);
    const loopMs = await page.evaluate(() => {
      const started = Date.now();
      for (let i = 0; i < 10_000; i++) console.log('tick', i, {i, nested: {list: [i, i + 1]}});
      return Date.now() - started;
    });
    const ticks = (s: StoredSession) => payloads(s, 'tracker.console').filter((payload) => payload.args?.[0] === 'tick');
    const throttled = (s: StoredSession) => payloads(s, 'tracker.console').reduce((sum, payload) => sum + (payload.throttled ?? 0), 0);
    const session = await waitForSession(collector, sessionID, (s) => ticks(s).length + throttled(s) === 10_000);
    // At most 50 in each second the loop touched; the rest is only counted.
    const bound = 50 * (Math.ceil(loopMs / 1000) + 1);
    expect(ticks(session).length).toBeLessThanOrEqual(bound);
    expect(throttled(session)).toBeGreaterThanOrEqual(10_000 - bound);
    expect(ticks(session)[0]).toEqual({level: 'log', args: ['tick', '0', '{i: 0, nested: {list: [0, 1]}}']});
  });

  test('the page stays responsive through a 10,000-call console.log loop', async ({page, site, collector}) => {
    await page.goto(trackedPage(site, collector, {initOptions: FAST}));
    // How long a timer set before the loop waits once the loop is over, and how long the loop took.
    const loop = () =>
      page.evaluate(
        () =>
          new Promise<{loopMs: number; timerLagMs: number}>((resolve) => {
            let ended = 0;
            const started = performance.now();
            setTimeout(() => resolve({loopMs: ended - started, timerLagMs: performance.now() - ended}), 0);
            for (let i = 0; i < 10_000; i++) console.log('tick', i, {i, nested: {list: [i, i + 1]}});
            ended = performance.now();
          }),
      );
    // The faster of two runs each: a busy machine only ever adds time.
    const fastest = async () => [await loop(), await loop()].sort((a, b) => a.loopMs - b.loopMs)[0];
    await loop(); // warms up the page's console and JIT
    const without = await fastest();
    expect((await startTracker(page)).success).toBe(true);
    await waitForRecording(page);
    const withTracker = await fastest();
    // Generous bounds for a shared machine: a tracker serializing every call, or
    // leaving the work for later, would cost many times the loop itself.
    expect(withTracker.loopMs).toBeLessThan(3 * without.loopMs + 300);
    expect(withTracker.timerLagMs).toBeLessThan(Math.max(300, without.loopMs));
  });

  test('an error logged after a burst of console.log is recorded and counted by the collector', async ({page, site, collector}) => {
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(() => {
      for (let i = 0; i < 100; i++) console.log('burst', i);
      console.error('after the burst');
      console.assert(false, 'assert after the burst');
    });
    const errors = (s: StoredSession) => payloads(s, 'tracker.console').filter((payload) => payload.level === 'error' || payload.level === 'assert');
    const session = await waitForSession(collector, sessionID, (s) => errors(s).length === 2);
    expect(errors(session)).toEqual([
      {level: 'error', args: ['after the burst']},
      {level: 'assert', args: ['assert after the burst']},
    ]);
    await expect.poll(async () => (await (await fetch(`${collector.url}/api/sessions/${sessionID}`, {headers: adminHeaders})).json()).consoleErrorCount).toBe(2);
  });
});

test.describe('network', () => {
  test('fetch and XHR are stored as tracker.network with method, URL, status, duration, sizes and kind', async ({page, site, collector}) => {
    serveApi(site);
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(async () => {
      await (await fetch('/api/data')).json();
      await fetch('/api/missing', {method: 'delete'});
      await new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/echo');
        xhr.onloadend = resolve;
        xhr.send('twelve bytes');
      });
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 3);
    const [data, missing, echo] = payloads(session, 'tracker.network');
    expect(data).toMatchObject({method: 'GET', url: `${site.origin}/api/data`, status: 200, kind: 'fetch', responseBytes: 27});
    expect(missing).toMatchObject({method: 'DELETE', url: `${site.origin}/api/missing`, status: 404, kind: 'fetch'});
    expect(echo).toMatchObject({method: 'POST', url: `${site.origin}/api/echo`, status: 200, kind: 'xhr', requestBytes: 12});
    for (const request of [data, missing, echo]) {
      expect(request.durationMs).toBeGreaterThanOrEqual(0);
      expect(request).not.toHaveProperty('requestHeaders');
      expect(request).not.toHaveProperty('responseBody');
    }
  });

  test('network failures and aborts are stored with an error, and the page still sees its rejection', async ({page, site, collector}) => {
    serveApi(site);
    const sessionID = await recordPage(page, site, collector);
    const seen = await page.evaluate(async () => {
      const outcomes: string[] = [];
      await fetch('http://127.0.0.1:1/unreachable').catch((error) => outcomes.push(`fetch: ${error.name}`));
      const abort = new AbortController();
      const slow = fetch('/api/slow', {signal: abort.signal}).catch((error) => outcomes.push(`abort: ${error.name}`));
      abort.abort();
      await slow;
      await new Promise<void>((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', '/api/slow');
        xhr.onabort = () => outcomes.push('xhr: abort');
        xhr.onloadend = () => resolve();
        xhr.send();
        xhr.abort();
      });
      return outcomes;
    });
    expect(seen).toEqual(['fetch: TypeError', 'abort: AbortError', 'xhr: abort']);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 3);
    const [unreachable, aborted, xhr] = payloads(session, 'tracker.network');
    expect(unreachable).toMatchObject({url: 'http://127.0.0.1:1/unreachable', status: 0, kind: 'fetch'});
    expect(unreachable.error).toBeTruthy();
    expect(aborted).toMatchObject({url: `${site.origin}/api/slow`, status: 0, error: 'aborted'});
    expect(xhr).toMatchObject({kind: 'xhr', status: 0, error: 'aborted'});
  });

  test('fetch(url, init) and fetch(Request) both work, and the body is read once by the page', async ({page, site, collector}) => {
    serveApi(site);
    const sessionID = await recordPage(page, site, collector, {initOptions: {captureNetwork: {recordUrls: [''], recordBodies: true}}});
    const results = await page.evaluate(async () => {
      const viaInit = await (await fetch('/api/echo', {method: 'POST', body: 'from init'})).json();
      const viaRequest = await (await fetch(new Request('/api/echo', {method: 'PUT', body: 'from request'}))).json();
      const response = await fetch('/api/data');
      const text = await response.text();
      const again = await response.text().then(
        () => 'read twice',
        (error) => error.name,
      );
      return {viaInit, viaRequest, text, again, used: response.bodyUsed};
    });
    expect(results.viaInit).toMatchObject({method: 'POST', received: 'from init'});
    expect(results.viaRequest).toMatchObject({method: 'PUT', received: 'from request'});
    expect(results.text).toBe('{"ok":true,"items":[1,2,3]}');
    expect(results.again).toBe('TypeError');
    expect(results.used).toBe(true);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 3);
    const [viaInit, viaRequest] = payloads(session, 'tracker.network');
    expect(viaInit).toMatchObject({method: 'POST', requestBody: 'from init', status: 200});
    expect(viaRequest).toMatchObject({method: 'PUT', requestBody: 'from request', status: 200});
  });

  for (const bodies of [false, true]) {
    test(`a streamed body and an event stream reach the page intact${bodies ? ', with bodies opted in' : ''}`, async ({page, site, collector}) => {
      serveApi(site);
      const initOptions = bodies ? {captureNetwork: {recordUrls: [''], recordBodies: true}} : {};
      const sessionID = await recordPage(page, site, collector, {initOptions});
      const received = await page.evaluate(async () => {
        const readAll = async (path: string, nextPath: string) => {
          const reader = (await fetch(path)).body!.getReader();
          const decoder = new TextDecoder();
          const first = await reader.read();
          // The stream is still open: its second part is sent only now.
          await fetch(nextPath);
          let rest = '';
          for (;;) {
            const {done, value} = await reader.read();
            if (done) break;
            rest += decoder.decode(value, {stream: true});
          }
          return [decoder.decode(first.value), rest];
        };
        return [await readAll('/api/stream', '/api/stream-next'), await readAll('/api/events', '/api/events-next')];
      });
      expect(received).toEqual([
        ['one', 'two'],
        ['data: first\n\n', 'data: second\n\n'],
      ]);
      const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 4);
      const streams = payloads(session, 'tracker.network').filter((request) => /stream$|events$/.test(request.url));
      expect(streams.map((request) => request.status)).toEqual([200, 200]);
      // An event stream is never read by the tracker.
      expect(streams[1]).not.toHaveProperty('responseBody');
    });
  }

  /** A response that never ends, a line every 100 ms; `closed()` says whether the browser let its connection go. */
  function serveEndless(site: Site, path: string, type: string) {
    let connectionClosed = false;
    site.handle(path, (_request, response) => {
      response.writeHead(200, {'Content-Type': type, 'Cache-Control': 'no-store'});
      let n = 0;
      const timer = setInterval(() => response.write(`{"n":${n++}}\n`), 100);
      response.write(`{"n":${n++}}\n`);
      response.on('close', () => {
        clearInterval(timer);
        connectionClosed = true;
      });
    });
    return {closed: () => connectionClosed};
  }

  /** Fetches `path`, reads one chunk and cancels the body, as a page done with a stream does. */
  const readOneChunkAndCancel = (page: Page, path: string) =>
    page.evaluate(async (path) => {
      const reader = (await fetch(path)).body!.getReader();
      const {value} = await reader.read();
      await reader.cancel();
      return new TextDecoder().decode(value);
    }, path);

  const bodiesOptedIn = (maxBodyBytes?: number) => ({captureNetwork: {recordUrls: [''], recordBodies: true, maxBodyBytes}});

  test('an endless ndjson stream, with bodies opted in, is recorded at its headers, never read, and let go when the page cancels it', async ({page, site, collector}) => {
    const server = serveEndless(site, '/api/feed', 'application/x-ndjson');
    const sessionID = await recordPage(page, site, collector, {initOptions: bodiesOptedIn()});
    expect(await readOneChunkAndCancel(page, '/api/feed')).toMatch(/^\{"n":0\}\n/);
    await expect.poll(server.closed, {message: 'the connection is closed'}).toBe(true);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length > 0);
    const [feed] = payloads(session, 'tracker.network');
    expect(feed).toMatchObject({url: `${site.origin}/api/feed`, status: 200});
    expect(feed).not.toHaveProperty('responseBody');
  });

  test('an endless text stream, with bodies opted in, is recorded with its body read up to maxBodyBytes, and let go when the page cancels it', async ({page, site, collector}) => {
    const server = serveEndless(site, '/api/log', 'text/plain');
    const sessionID = await recordPage(page, site, collector, {initOptions: bodiesOptedIn(16)});
    expect(await readOneChunkAndCancel(page, '/api/log')).toMatch(/^\{"n":0\}\n/);
    await expect.poll(server.closed, {message: 'the connection is closed'}).toBe(true);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length > 0);
    const [log] = payloads(session, 'tracker.network');
    expect(log).toMatchObject({url: `${site.origin}/api/log`, status: 200});
    // 16 bytes, or a chunk that brought more cut there.
    expect(log.responseBody).toMatch(/^\{"n":0\}\n\{"n":1\}\n…?$/);
  });

  test('a body still arriving after a few seconds is not waited for: the request is recorded without it', async ({page, site, collector}) => {
    serveEndless(site, '/api/slow-log', 'text/plain');
    const sessionID = await recordPage(page, site, collector, {initOptions: bodiesOptedIn(1024 * 1024)});
    // The page keeps reading; the tracker stops waiting for its copy.
    await page.evaluate(() => {
      void fetch('/api/slow-log').then(async (response) => {
        const reader = response.body!.getReader();
        while (!(await reader.read()).done);
      });
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length > 0);
    const [log] = payloads(session, 'tracker.network');
    expect(log).toMatchObject({url: `${site.origin}/api/slow-log`, status: 200});
    expect(log).not.toHaveProperty('responseBody');
  });

  test('XHR fires readystatechange, load and loadend in the same order with and without capture, and sync XHR works', async ({page, site, collector}) => {
    serveApi(site);
    await page.goto(trackedPage(site, collector, {initOptions: FAST}));
    const exercise = () =>
      page.evaluate(async () => {
        const order: string[] = [];
        await new Promise<void>((resolve) => {
          const xhr = new XMLHttpRequest();
          xhr.onreadystatechange = () => order.push(`readystatechange ${xhr.readyState}`);
          xhr.addEventListener('load', () => order.push('load'));
          xhr.onloadend = () => {
            order.push('loadend');
            resolve();
          };
          xhr.addEventListener('loadstart', () => order.push('loadstart'));
          xhr.open('GET', '/api/data');
          xhr.send();
        });
        const sync = new XMLHttpRequest();
        sync.open('GET', '/api/data', false);
        sync.send();
        order.push(`sync ${sync.status} ${sync.responseText}`);
        return order;
      });
    const without = await exercise();
    const result = await startTracker(page);
    const withCapture = await exercise();
    expect(withCapture).toEqual(without);
    expect(without).toContain('sync 200 {"ok":true,"items":[1,2,3]}');
    const session = await waitForSession(collector, result.sessionID, (s) => customEvents(s, 'tracker.network').length >= 2);
    expect(payloads(session, 'tracker.network').map((request) => request.kind)).toEqual(['xhr', 'xhr']);
  });

  test('fetch keeps working when the page replaced it before the bundle loaded and after', async ({page, site, collector}) => {
    serveApi(site);
    const head = `<script>
      window.calls = [];
      var pageFetch = window.fetch;
      window.fetch = function (input, init) { window.calls.push('before:' + input); return pageFetch.apply(this, arguments); };
    </script>`;
    const sessionID = await recordPage(page, site, collector, {head});
    const result = await page.evaluate(async () => {
      const trackerFetch = window.fetch;
      window.fetch = function (input: RequestInfo | URL, init?: RequestInit) {
        (window as any).calls.push(`after:${input}`);
        return trackerFetch.call(this, input, init);
      };
      const data = await (await fetch('/api/data')).json();
      return {data, calls: (window as any).calls.filter((call: string) => call.includes('/api/'))};
    });
    expect(result.data).toEqual({ok: true, items: [1, 2, 3]});
    expect(result.calls).toEqual(['after:/api/data', 'before:/api/data']);
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 1);
    expect(payloads(session, 'tracker.network')).toHaveLength(1);
  });

  test("the tracker's own requests to the collector are not recorded", async ({page, site, collector}) => {
    serveApi(site);
    const sessionID = await recordPage(page, site, collector);
    await page.evaluate(() => fetch('/api/data'));
    await page.waitForTimeout(600);
    await page.evaluate(() => console.log('later'));
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.console').length >= 1 && s.pages[0].events!.length > 3);
    expect(payloads(session, 'tracker.network').map((request) => request.url)).toEqual([`${site.origin}/api/data`]);
  });

  for (const optedIn of [false, true]) {
    test(`no secret reaches the collector's files: auth header, cookie, token query, password in a body, a script URL's token in an error, credentials and tokens in URLs${optedIn ? ', with every opt-in' : ''}`, async ({page, site, collector}) => {
      serveApi(site);
      const secrets = ['s3cr3t-AUTH', 'c00kie-VALUE', 'abc123-TOKEN', 'hunter2-PASSWORD', 'k3y-APIKEY', 'r3set-PAGETOKEN', 'SCRIPTSECRET1', 'XHRPASSWORD2', 'FETCHPASSWORD3', 'CONSOLESECRET4'];
      const captureNetwork = optedIn ? {recordUrls: [site.origin], recordHeaders: ['authorization', 'cookie', 'x-api-key', 'content-type'], recordBodies: true} : true;
      // A script whose URL carries a token throws: its URL is the error's source and is in every frame of its stack.
      site.file('/app.js', `function explode() {\n  throw new Error('from app.js ${EXPECTED_ERROR}');\n}\nwindow.explodeLater = function () { setTimeout(explode, 0); };\n`, 'text/javascript');
      const head = '<script src="/app.js?token=SCRIPTSECRET1"></script>';
      const sessionID = await recordPage(page, site, collector, {path: '/reset', head, initOptions: {captureNetwork}});
      await page.evaluate(() => history.replaceState(null, '', '/reset?token=r3set-PAGETOKEN&step=2'));
      await page.evaluate(async () => {
        document.cookie = 'sid=c00kie-VALUE; path=/';
        const init = {
          method: 'POST',
          headers: {Authorization: 'Bearer s3cr3t-AUTH', 'X-Api-Key': 'k3y-APIKEY', 'Content-Type': 'application/json'},
          body: JSON.stringify({user: 'ann', password: 'hunter2-PASSWORD'}),
        };
        await (await fetch('/api/echo?token=abc123-TOKEN&page=2', init)).json();
        await new Promise((resolve) => {
          const xhr = new XMLHttpRequest();
          xhr.open('POST', '/api/echo?access_token=abc123-TOKEN');
          xhr.setRequestHeader('Authorization', 'Bearer s3cr3t-AUTH');
          xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
          xhr.onloadend = resolve;
          xhr.send('user=ann&password=hunter2-PASSWORD');
        });
        const withCredentials = location.origin.replace('//', '//ann:XHRPASSWORD2@');
        await new Promise((resolve) => {
          const xhr = new XMLHttpRequest();
          xhr.open('GET', `${withCredentials}/api/data`);
          xhr.onloadend = resolve;
          xhr.send();
        });
        // Chromium refuses it, naming the URL in its error message.
        await fetch(location.origin.replace('//', '//ann:FETCHPASSWORD3@') + '/api/data').catch(() => {});
        console.log('image at', `${location.origin}/img.png?sig=CONSOLESECRET4`);
        (window as any).explodeLater();
      });
      await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.error').length > 0);
      await page.reload();
      await startTracker(page);
      await waitForRecording(page);
      await page.evaluate(() => (window as any).tracker.stop());
      const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 4 && s.pages.length === 2 && s.pages[1].eventCount > 1);
      const [viaFetch, viaXhr, xhrWithCredentials] = payloads(session, 'tracker.network');
      expect(viaFetch.url).toBe(`${site.origin}/api/echo?token=[redacted]&page=2`);
      expect(viaXhr.url).toBe(`${site.origin}/api/echo?access_token=[redacted]`);
      expect(xhrWithCredentials.url).toBe(`${site.origin}/api/data`);
      const [error] = payloads(session, 'tracker.error');
      expect(error.source).toBe(`${site.origin}/app.js?token=[redacted]`);
      expect(error.stack).toContain(`${site.origin}/app.js?token=[redacted]:2:`);
      expect(payloads(session, 'tracker.console')).toContainEqual({level: 'log', args: ['image at', `${site.origin}/img.png?sig=[redacted]`]});
      if (optedIn) {
        expect(viaFetch.requestHeaders).toEqual({authorization: '[redacted]', 'x-api-key': '[redacted]', 'content-type': 'application/json'});
        expect(viaFetch.requestBody).toBe('{"user":"ann","password":"[redacted]"}');
        expect(viaXhr.requestBody).toBe('user=ann&password=[redacted]');
        expect(viaFetch.responseBody).toContain('"authorization":"[redacted]"');
      }
      const stored = storedText(collector.dataDir);
      expect(stored).toContain('/api/echo');
      for (const secret of secrets) expect(stored, `${secret} is stored`).not.toContain(secret);
    });
  }

  test('headers and bodies are recorded only for the allowlisted URLs', async ({page, site, collector}) => {
    serveApi(site);
    const captureNetwork = {recordUrls: [`${site.origin}/api/echo`], recordHeaders: ['content-type'], recordBodies: true, maxBodyBytes: 16};
    const sessionID = await recordPage(page, site, collector, {initOptions: {captureNetwork}});
    await page.evaluate(async () => {
      await fetch('/api/echo', {method: 'POST', headers: {'Content-Type': 'text/plain'}, body: 'a body longer than sixteen characters'});
      await fetch('/api/data', {headers: {'Content-Type': 'text/plain'}});
    });
    const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.network').length >= 2);
    const [echo, data] = payloads(session, 'tracker.network');
    expect(echo).toMatchObject({
      requestHeaders: {'content-type': 'text/plain'},
      responseHeaders: {'content-type': 'application/json'},
      requestBody: 'a body longer th…',
      responseBody: '{"method":"POST"…',
    });
    expect(Object.keys(data).sort()).toEqual(['durationMs', 'kind', 'method', 'responseBytes', 'status', 'url']);
  });
});

test('navigation: pushState, replaceState, popstate and hashchange are stored as tracker.navigation', async ({page, site, collector}) => {
  const sessionID = await recordPage(page, site, collector);
  await page.evaluate(async () => {
    history.pushState({}, '', '/products?id=7');
    history.replaceState({}, '', '/products?id=8');
    history.replaceState({kept: true}, '', '/products?id=8');
    const popped = new Promise((resolve) => addEventListener('popstate', resolve, {once: true}));
    history.back();
    await popped;
    const hashed = new Promise((resolve) => addEventListener('hashchange', resolve, {once: true}));
    location.hash = 'reviews';
    await hashed;
  });
  const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.navigation').some((e) => e.data.payload.kind === 'hashchange'));
  const navigations = payloads(session, 'tracker.navigation').map(({kind, url}) => `${kind} ${url.replace(site.origin, '')}`);
  expect(navigations.slice(0, 3)).toEqual(['pushState /products?id=7', 'replaceState /products?id=8', 'popstate /']);
  expect(navigations).toContain('hashchange /#reviews');
});

test('each capture can be turned off in the init options', async ({page, site, collector}) => {
  serveApi(site);
  const off = {captureErrors: false, captureConsole: false, captureNetwork: false, captureNavigation: false};
  const sessionID = await recordPage(page, site, collector, {initOptions: off});
  await page.evaluate(async (marker) => {
    console.error('not captured');
    await fetch('/api/data');
    history.pushState({}, '', '/elsewhere');
    setTimeout(() => {
      throw new Error(`not captured ${marker}`);
    });
    (window as any).tracker.event('done');
  }, EXPECTED_ERROR);
  const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.event').length > 0);
  await page.waitForTimeout(300);
  const tags = customEvents(await collector.session(sessionID), '').map((event) => event.data.tag);
  expect(tags.filter((tag) => ['tracker.error', 'tracker.console', 'tracker.network', 'tracker.navigation'].includes(tag))).toEqual([]);
  expect(session).toBeTruthy();
  expect(await page.evaluate(() => window.fetch.toString())).toContain('[native code]');
});

test("the collector keeps a real page's error, console-error and failed-request counts and URLs, and filters by them", async ({page, site, collector}) => {
  serveApi(site);
  const sessionID = await recordPage(page, site, collector);
  const quiet = await recordQuietSession(page, site, collector);
  await page.evaluate(async (marker) => {
    console.error('checkout failed');
    await fetch('/api/missing');
    history.pushState({}, '', '/checkout/step-2');
    setTimeout(() => {
      throw new Error(`checkout broke ${marker}`);
    });
    (window as any).tracker.event('checkout-attempt');
  }, EXPECTED_ERROR);
  await waitForSession(collector, sessionID, (s: any) => s.errorCount === 1 && s.failedRequestCount === 1);
  const list = async (query: string) => {
    const response = await fetch(`${collector.url}/api/sessions?${query}`, {headers: adminHeaders});
    return ((await response.json()).sessions as any[]).map((s) => s.sessionID);
  };
  const [summary] = (await (await fetch(`${collector.url}/api/sessions?hasErrors=1`, {headers: adminHeaders})).json()).sessions;
  expect(summary).toMatchObject({sessionID, errorCount: 1, consoleErrorCount: 1, failedRequestCount: 1});
  expect(summary.urls).toEqual(expect.arrayContaining([`${site.origin}/`, `${site.origin}/checkout/step-2`]));
  expect(await list('hasErrors=1')).toEqual([sessionID]);
  expect(await list('url=CHECKOUT/step')).toEqual([sessionID]);
  expect(await list('event=checkout-attempt')).toEqual([sessionID]);
  expect((await list('')).sort()).toEqual([sessionID, quiet].sort());
});

/** A second, uneventful session (another browser context) for the filters to leave out. */
async function recordQuietSession(page: Page, site: Site, collector: RunningCollector): Promise<string> {
  const context = await page.context().browser()!.newContext();
  try {
    const other = await context.newPage();
    await other.goto(trackedPage(site, collector, {path: '/quiet', initOptions: FAST}));
    const result = await startTracker(other);
    await waitForRecording(other);
    await other.evaluate(() => (window as any).tracker.stop());
    return result.sessionID;
  } finally {
    await context.close();
  }
}
