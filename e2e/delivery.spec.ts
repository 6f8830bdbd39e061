// SPEC section 2 "Recording and delivery": faults are injected in the network
// (a proxy) or by stopping the collector, never by mocking the tracker.
import {storedText} from './helpers/storedText';
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording} from './fixtures';
import {startCollector, removeDir, type RunningCollector, type StoredSession} from './helpers/collector';
import {startProxy} from './helpers/proxy';
import type {Page} from '@playwright/test';

const TICKER = `<script>
  // Random text, so that gzip cannot shrink it: it fills buffers for real.
  function noise(bytes) {
    var text = '';
    while (text.length < bytes) text += Math.random().toString(36).slice(2);
    return text.slice(0, bytes);
  }
  window.tick = function (n, bytes) {
    var p = document.createElement('p');
    p.textContent = 'tick ' + n + ' ' + noise(bytes || 0);
    document.body.appendChild(p);
    tracker.event('tick', {n: n});
  };
</script>`;

async function tick(page: Page, from: number, to: number, gapMs: number, bytes = 0) {
  for (let n = from; n <= to; n++) {
    await page.evaluate(([i, b]) => (window as any).tick(i, b), [n, bytes]);
    if (gapMs) await page.waitForTimeout(gapMs);
  }
}

const ticks = (session: StoredSession) =>
  customEvents(session, 'tracker.event')
    .filter((e) => e.data.payload.name === 'tick')
    .map((e) => e.data.payload.payload.n);

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i);

const storedCount = (session: StoredSession) => session.pages.reduce((sum, p) => sum + (p.events?.length ?? 0), 0);

const stats = (page: Page) => page.evaluate(() => (window as any).tracker._stats());

function expectInOrder(session: StoredSession) {
  for (const page of session.pages) {
    const seen = new Set<string>();
    for (const event of page.events ?? []) {
      const key = JSON.stringify(event);
      expect(seen.has(key), 'no event stored twice').toBe(false);
      seen.add(key);
    }
  }
}

test('a collector stopped for 30 seconds loses nothing: every event stored once, in order', async ({page, site}) => {
  test.setTimeout(120_000);
  let collector: RunningCollector = await startCollector();
  const {dataDir, port} = collector;
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, initOptions: {flushIntervalMs: 500, maxRetryDelayMs: 4000}}));
    const result = await startTracker(page);
    await tick(page, 1, 10, 100);
    await collector.stop();
    await tick(page, 11, 40, 1000); // 30 s without a collector
    collector = await startCollector({dataDir, port});
    await tick(page, 41, 50, 100);
    await page.evaluate(() => (window as any).tracker.stop());
    const recorded = (await stats(page)).recordedEvents;
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 50, 60_000);
    expect(ticks(session)).toEqual(range(1, 50));
    expect(storedCount(session)).toBe(recorded);
    expectInOrder(session);
  } finally {
    await collector.stop();
    removeDir(dataDir);
  }
});

// The site serves the delivery worker beside the bundle (as the package ships
// them), so the other tests deliver through it; this one also runs with the
// page doing the gzip and the requests itself.
for (const withWorker of [true, false]) {
test(`one in five batches answered 503: nothing lost, nothing duplicated (${withWorker ? 'delivery worker' : 'no worker: the page sends'})`, async ({page, site, collector}) => {
  test.setTimeout(90_000);
  site.options.noWorker = !withWorker;
  const proxy = await startProxy(collector.url);
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, ingestPoint: proxy.url, initOptions: {flushIntervalMs: 100, maxRetryDelayMs: 1000}}));
    const result = await startTracker(page);
    await expect.poll(() => site.workerRequests).toBe(withWorker ? 1 : 0);
    await expect.poll(() => page.workers().length).toBe(withWorker ? 1 : 0);
    proxy.failRate = 0.2;
    await tick(page, 1, 100, 40);
    await page.evaluate(() => (window as any).tracker.stop());
    proxy.failRate = 0;
    const recorded = (await stats(page)).recordedEvents;
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 100, 30_000);
    expect(proxy.failed).toBeGreaterThan(0);
    expect(ticks(session)).toEqual(range(1, 100));
    expect(storedCount(session)).toBe(recorded);
    expectInOrder(session);
  } finally {
    await proxy.stop();
  }
});
}

test('the last batch is stored when the tab closes right after a burst of input', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {body: '<input id="name" type="text">', head: TICKER}));
  const result = await startTracker(page);
  await page.waitForTimeout(300);
  await page.click('#name');
  await page.keyboard.type('a burst of typing right before closing', {delay: 5});
  await page.evaluate(() => (window as any).tracker.event('closing'));
  await page.close({runBeforeUnload: true});
  const session = await waitForSession(collector, result.sessionID, (s) =>
    customEvents(s, 'tracker.event').some((e) => e.data.payload.name === 'closing'),
  );
  const inputs = session.pages[0].events!.filter((e) => e.type === 3 && e.data.source === 5);
  expect(inputs.length).toBeGreaterThan(0);
  expect(inputs[inputs.length - 1].data.text).toBe('*'.repeat('a burst of typing right before closing'.length));
});

test('an expired token mid-session: the tracker renews it and events keep arriving in the same session', async ({page, site}) => {
  test.setTimeout(60_000);
  const collector = await startCollector({args: ['--token-ttl', '2']});
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, initOptions: {flushIntervalMs: 200}}));
    const result = await startTracker(page);
    await tick(page, 1, 30, 200); // 6 s: the token expires twice
    await page.evaluate(() => (window as any).tracker.stop());
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 30);
    expect(ticks(session)).toEqual(range(1, 30));
    expect((await stats(page)).handshakes).toBeGreaterThanOrEqual(3);
    // Renewal continues the same page: no new page per renewal.
    expect(session.pages).toHaveLength(1);
  } finally {
    await collector.stop();
    removeDir(collector.dataDir);
  }
});

test('a revoked token mid-session: the tracker starts over and events keep arriving', async ({page, site}) => {
  test.setTimeout(60_000);
  let collector = await startCollector({env: {TRACKER_SECRET: 'first-secret'}});
  const {dataDir, port} = collector;
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, initOptions: {flushIntervalMs: 200}}));
    const result = await startTracker(page);
    await tick(page, 1, 10, 100);
    await page.waitForTimeout(500);
    await collector.stop();
    // Rotating the signing secret revokes every token (and session hash).
    collector = await startCollector({dataDir, port, env: {TRACKER_SECRET: 'rotated-secret'}});
    await tick(page, 11, 20, 100);
    await page.evaluate(() => (window as any).tracker.stop());
    const newID = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tracker:session:demo')!).sessionID);
    expect(newID).not.toBe(result.sessionID);
    const before = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 10);
    const after = await waitForSession(collector, newID, (s) => ticks(s).length >= 10);
    expect([...ticks(before), ...ticks(after)]).toEqual(range(1, 20));
    // The new session is replayable: it holds a full snapshot.
    expect(after.pages[0].events!.some((e) => e.type === 2)).toBe(true);
  } finally {
    await collector.stop();
    removeDir(dataDir);
  }
});

test('down past the memory cap: a tracker.gap, then a fresh full snapshot, and bounded memory', async ({page, site, collector}) => {
  test.setTimeout(90_000);
  const cap = 256 * 1024;
  const proxy = await startProxy(collector.url);
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, ingestPoint: proxy.url, initOptions: {flushIntervalMs: 100, maxRetryDelayMs: 1000, maxBufferBytes: cap}}));
    const result = await startTracker(page);
    await page.waitForTimeout(500);
    proxy.down = true;
    let peak = 0;
    for (let n = 1; n <= 60; n++) {
      await tick(page, n, n, 50, 20_000); // 20 KB of text a tick: 1.2 MB in all
      peak = Math.max(peak, (await stats(page)).bufferedBytes);
    }
    expect(peak).toBeLessThanOrEqual(cap + 64 * 1024);
    expect((await stats(page)).droppedEvents).toBeGreaterThan(0);
    proxy.down = false;
    await tick(page, 61, 65, 300);
    await page.evaluate(() => (window as any).tracker.stop());
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).includes(65), 30_000);
    const events = session.pages[0].events!;
    const gapAt = events.findIndex((e) => e.type === 5 && e.data.tag === 'tracker.gap');
    expect(gapAt).toBeGreaterThan(0);
    expect(events[gapAt].data.payload.events).toBeGreaterThan(0);
    expect(events[gapAt].data.payload.reason).toContain('could not be reached');
    // Until the collector answered, nothing was kept; that stretch is a gap too.
    const pausedAt = events.findIndex((e) => e.type === 5 && e.data.tag === 'tracker.gap' && /paused/.test(e.data.payload.reason));
    expect(pausedAt).toBeGreaterThan(gapAt);
    const snapshotAfterGap = events.findIndex((e, i) => i > pausedAt && e.type === 2);
    expect(snapshotAfterGap).toBeGreaterThan(pausedAt);
    expect(ticks(session)).toContain(65);
  } finally {
    await proxy.stop();
  }
});

test('a typed password never reaches the collector and text inputs are masked', async ({page, site, collector}) => {
  const form = `<form><input id="name" type="text"><input id="email" type="email"><input id="pw" type="password" value="prefilled-Secret"></form>`;
  await page.goto(trackedPage(site, collector, {body: form, initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(page);
  await page.waitForTimeout(300);
  await page.fill('#name', 'Ada Lovelace');
  await page.fill('#email', 'ada@example.com');
  await page.click('#pw');
  await page.keyboard.type('hunter2-Pa55word', {delay: 10});
  await page.evaluate(() => (window as any).tracker.stop());
  const session = await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 3);
  const raw = storedText(collector.dataDir);
  expect(raw.length).toBeGreaterThan(1000);
  for (const secret of ['hunter2', 'Pa55word', 'prefilled-Secret', 'Ada Lovelace', 'ada@example.com']) {
    expect(raw, `${secret} must not be stored`).not.toContain(secret);
  }
  const texts = session.pages[0].events!.filter((e) => e.type === 3 && e.data.source === 5).map((e) => e.data.text);
  expect(texts).toContain('*'.repeat('Ada Lovelace'.length));
  // Not even the password's length: its field is blocked, it sends no input event.
  expect(texts).not.toContain('*'.repeat('hunter2-Pa55word'.length));
});

test('a 429 with Retry-After is retried no sooner than the collector asked', async ({page, site, collector}) => {
  const proxy = await startProxy(collector.url);
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, ingestPoint: proxy.url, initOptions: {flushIntervalMs: 100, maxRetryDelayMs: 500}}));
    const result = await startTracker(page);
    await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 0);
    proxy.scripted.push({status: 429, headers: {'Retry-After': '2'}});
    const before = proxy.batchLog.length;
    await tick(page, 1, 1, 0);
    await expect.poll(() => proxy.batchLog.length, {timeout: 10_000}).toBeGreaterThanOrEqual(before + 2);
    const [refused, retried] = proxy.batchLog.slice(before);
    expect(retried.query).toBe(refused.query); // the same page and seq
    expect(retried.at - refused.at).toBeGreaterThanOrEqual(1900);
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).includes(1));
    expect(ticks(session)).toEqual([1]);
  } finally {
    await proxy.stop();
  }
});

test('a batch refused with 400 is not retried: a tracker.gap says why, and recording goes on', async ({page, site, collector}) => {
  const proxy = await startProxy(collector.url);
  try {
    await page.goto(trackedPage(site, collector, {head: TICKER, ingestPoint: proxy.url, initOptions: {flushIntervalMs: 100}}));
    const result = await startTracker(page);
    await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 0);
    // Delivery idle for five flush intervals: the next batch is the one that holds tick 1.
    await expect.poll(() => Date.now() - (proxy.batchLog.at(-1)?.at ?? 0)).toBeGreaterThan(500);
    proxy.scripted.push({status: 400});
    const before = proxy.batchLog.length;
    await tick(page, 1, 1, 0);
    await page.waitForTimeout(1000);
    await tick(page, 2, 2, 0);
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).includes(2));
    const refusedQuery = proxy.batchLog[before].query;
    expect(proxy.batchLog.slice(before + 1).map((entry) => entry.query)).not.toContain(refusedQuery);
    expect(ticks(session)).toEqual([2]);
    const gap = customEvents(session, 'tracker.gap')[0];
    expect(gap.data.payload).toMatchObject({batches: 1, reason: expect.stringContaining('400')});
  } finally {
    await proxy.stop();
  }
});

test('when the browser comes back online, delivery resumes at once instead of after the backoff', async ({page, context, site, collector}) => {
  test.setTimeout(60_000);
  // Full jitter always at its ceiling: waits of 1, 2, 4, 8, 16 s... so after
  // 16 s offline the next retry is about 15 s away, and only the online
  // event can bring delivery sooner.
  await page.addInitScript(() => (Math.random = () => 0.999));
  await page.goto(trackedPage(site, collector, {head: TICKER, initOptions: {flushIntervalMs: 100, maxRetryDelayMs: 60_000}}));
  const result = await startTracker(page);
  await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 0);
  await context.setOffline(true);
  await tick(page, 1, 1, 0);
  await page.waitForTimeout(16_000);
  await context.setOffline(false);
  const backOnline = Date.now();
  await waitForSession(collector, result.sessionID, (s) => ticks(s).includes(1), 30_000);
  expect(Date.now() - backOnline).toBeLessThan(4000);
});

test('elements are blocked or have their text masked by class and by attribute', async ({page, site, collector}) => {
  const body = `<div class="tracker-block" id="by-class">card 4242 4242</div>
    <div data-tracker-block id="by-attr">iban DE89</div>
    <p class="tracker-mask" id="mask-class">Ada Lovelace</p>
    <p data-tracker-mask id="mask-attr">1815-12-10</p>
    <p class="mine" id="own-block">own secret</p>
    <p id="plain">plain text stays</p>`;
  await page.goto(trackedPage(site, collector, {body, initOptions: {blockSelector: '.mine', flushIntervalMs: 200}}));
  const result = await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(() => (window as any).tracker.stop());
  const session = await waitForSession(collector, result.sessionID, (s) => (s.pages[0].events ?? []).some((e) => e.type === 2));
  const snapshot = JSON.stringify(session.pages[0].events!.find((e) => e.type === 2));
  for (const secret of ['4242', 'DE89', 'Ada Lovelace', '1815-12-10', 'own secret']) expect(snapshot).not.toContain(secret);
  expect(snapshot).toContain('plain text stays');
  // Masked text keeps its length as asterisks; blocked elements keep only their size.
  expect(snapshot).toContain('*** ********'); // 'Ada Lovelace', spaces kept
  expect(snapshot).toContain('rr_width');
});

test('on hide, more than 64 KiB pending goes out in keepalive requests that fit the budget, and the rest follows', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {head: TICKER, initOptions: {flushIntervalMs: 60_000, maxBatchEvents: 10_000}}));
  const result = await startTracker(page);
  await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 0);
  await tick(page, 1, 30, 0, 5000); // about 150 KB of incompressible text, all still buffered
  const sentWhileHiding = await page.evaluate(() => {
    // The requests made inside the visibilitychange handler: what an unloading page gets out.
    const calls: Array<{keepalive: boolean; size: number}> = [];
    const realFetch = window.fetch.bind(window);
    let hiding = true;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      if (hiding && String(input).includes('/v1/web/i')) {
        const body = init?.body as string | Uint8Array;
        calls.push({keepalive: !!init?.keepalive, size: typeof body === 'string' ? new Blob([body]).size : body.byteLength});
      }
      return realFetch(input, init);
    };
    Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
    document.dispatchEvent(new Event('visibilitychange'));
    hiding = false;
    return calls;
  });
  expect(sentWhileHiding.length).toBeGreaterThan(0);
  for (const call of sentWhileHiding) {
    expect(call.keepalive).toBe(true);
    expect(call.size).toBeLessThanOrEqual(60 * 1024);
  }
  // Chrome refuses keepalive bodies past 64 KiB in flight.
  expect(sentWhileHiding.reduce((sum, call) => sum + call.size, 0)).toBeLessThanOrEqual(64 * 1024);
  // The page lived on: what did not fit followed, nothing lost, nothing twice.
  const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 30);
  expect(ticks(session)).toEqual(range(1, 30));
});
