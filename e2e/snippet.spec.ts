// SPEC section 1: the inline snippet and its stub.
import {test, expect, trackedPage, waitForSession, customEvents, startTracker} from './fixtures';
import {snippet, htmlPage, NONCE} from './helpers/site';

test('awaiting start() before the bundle arrives resolves with a session', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 1500;
  await page.goto(trackedPage(site, collector), {waitUntil: 'domcontentloaded'});
  const outcome = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    const liveBefore = !!tracker._live;
    const result = await tracker.start();
    return {liveBefore, result};
  });
  expect(outcome.liveBefore).toBe(false);
  expect(outcome.result).toMatchObject({success: true});
  for (const field of ['sessionID', 'sessionToken', 'sessionHash', 'userUUID']) {
    expect(typeof outcome.result[field]).toBe('string');
  }
});

test('flush() on the stub queues like start(): a buffering session is sent once the bundle has run it', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 1500;
  const initOptions = {sampleRate: 0, onErrorSampleRate: 1, flushIntervalMs: 200};
  await page.goto(trackedPage(site, collector, {initOptions}), {waitUntil: 'domcontentloaded'});
  const outcome = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    const started = tracker.start();
    const flushed = tracker.flush();
    return {liveBefore: !!tracker._live, isPromise: flushed instanceof Promise, started: await started, flushed: await flushed, id: tracker.getSessionID()};
  });
  expect(outcome).toMatchObject({liveBefore: false, isPromise: true, started: {success: false}});
  expect(outcome.id).toEqual(expect.any(String));
  await waitForSession(collector, outcome.id, (s) => s.pages[0]?.eventCount > 0);
});

test('getters on the stub answer null and false synchronously', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 1000;
  await page.goto(trackedPage(site, collector), {waitUntil: 'domcontentloaded'});
  const answers = await page.evaluate(() => {
    const tracker = (window as any).tracker;
    return [tracker.getSessionID(), tracker.getSessionHash(), tracker.isActive(), !!tracker._live];
  });
  expect(answers).toEqual([null, null, false, false]);
});

test('queued calls keep their arguments, order and call time', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 1500;
  await page.goto(trackedPage(site, collector), {waitUntil: 'domcontentloaded'});
  const {result, calledAt, loadedAt} = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    const startPromise = tracker.start({userID: 'ada@example.com', metadata: {plan: 'pro'}});
    const calledAt = Date.now();
    tracker.event('early', {n: 1});
    tracker.setMetadata('step', 'two');
    tracker.event('later', {n: 2});
    const result = await startPromise;
    return {result, calledAt, loadedAt: Date.now()};
  });
  expect(result.success).toBe(true);
  const session = await waitForSession(collector, result.sessionID, (s) => customEvents(s, 'tracker.event').length === 2);
  const events = customEvents(session, 'tracker.event');
  expect(events.map((e) => e.data.payload)).toEqual([
    {name: 'early', payload: {n: 1}},
    {name: 'later', payload: {n: 2}},
  ]);
  // Stamped when called, before the bundle arrived 1.5 s later.
  expect(events[0].timestamp).toBeGreaterThanOrEqual(calledAt - 50);
  expect(events[0].timestamp).toBeLessThan(loadedAt - 1000);
  expect(customEvents(session, 'tracker.metadata').map((e) => e.data.payload)).toContainEqual({key: 'step', value: 'two'});
  expect(session.userID).toBe('ada@example.com');
  expect(session.metadata).toMatchObject({plan: 'pro', step: 'two'});
});

test('a 404 bundle resolves every pending start with a reason and calls each startCallback', async ({page, site, collector}) => {
  site.options.bundleStatus = 404;
  site.options.bundleDelayMs = 300;
  await page.goto(trackedPage(site, collector), {waitUntil: 'domcontentloaded'});
  const outcome = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    const callbacks: unknown[] = [];
    const results = await Promise.all([
      tracker.start({startCallback: (r: unknown) => callbacks.push(r)}),
      tracker.start({startCallback: (r: unknown) => callbacks.push(r)}),
      tracker.stop(),
    ]);
    return {results, callbacks};
  });
  expect(outcome.results[0]).toEqual({success: false, reason: expect.stringContaining('bundle not loaded')});
  expect(outcome.results[0].reason).toContain('/tracker.js');
  expect(outcome.results[1]).toEqual(outcome.results[0]);
  expect(outcome.callbacks).toEqual([outcome.results[0], outcome.results[0]]);
});

test('after the bundle failed, later calls fail at once', async ({page, site, collector}) => {
  site.options.bundleStatus = 404;
  await page.goto(trackedPage(site, collector));
  await page.waitForFunction(() => (window as any).tracker._q.push !== Array.prototype.push);
  const outcome = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    let called = 0;
    const started = Date.now();
    const result = await tracker.start({
      startCallback: () => {
        called++;
        throw new Error('a broken callback must not reach the page');
      },
    });
    tracker.event('ignored');
    return {result, called, took: Date.now() - started, queued: tracker._q.length};
  });
  expect(outcome.result.success).toBe(false);
  expect(outcome.result.reason).toContain('bundle not loaded');
  expect(outcome.called).toBe(1);
  expect(outcome.queued).toBe(0);
});

test('a bundle blocked by the network is a failure, not a hang', async ({page, site, collector}) => {
  await page.route('**/tracker.js', (route) => route.abort('blockedbyclient'));
  await page.goto(trackedPage(site, collector));
  const result = await startTracker(page);
  expect(result).toEqual({success: false, reason: expect.stringContaining('bundle not loaded')});
});

test('the snippet pasted twice loads the bundle once and warns', async ({page, site, collector}) => {
  const tag = snippet(`${site.origin}/tracker.js`, collector.url);
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(site.page('/twice', htmlPage(tag + tag)));
  const result = await startTracker(page);
  expect(result.success).toBe(true);
  // A tag manager firing it again later is caught too.
  await page.evaluate((html) => {
    const script = document.createElement('script');
    script.text = new DOMParser().parseFromString(html, 'text/html').querySelector('script')!.text;
    document.body.append(script);
  }, tag);
  await expect.poll(() => warnings.filter((w) => w.includes('included twice')).length).toBe(2);
  expect(site.bundleRequests).toBe(1);
  expect(await page.evaluate(() => (window as any).tracker.isActive())).toBe(true);
});

test('a placeholder object at window.tracker is not mistaken for the tracker', async ({page, site, collector}) => {
  const tag = snippet(`${site.origin}/tracker.js`, collector.url);
  const placeholder = '<script>window.tracker = {start: function () { return "placeholder"; }};</script>';
  await page.goto(site.page('/placeholder', htmlPage(placeholder + tag)));
  const result = await startTracker(page);
  expect(result.success).toBe(true);
  expect(site.bundleRequests).toBe(1);
});

test('a reference taken before the bundle loaded keeps working', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 800;
  const tag = snippet(`${site.origin}/tracker.js`, collector.url);
  const keep = '<script>window.kept = window.tracker;</script>';
  await page.goto(site.page('/stale', htmlPage(tag + keep)));
  await page.waitForFunction(() => (window as any).tracker._live === true);
  const result = await page.evaluate(() => (window as any).kept.start());
  expect(result.success).toBe(true);
  expect(await page.evaluate(() => (window as any).kept.getSessionID())).toBe(result.sessionID);
});

test('under a strict nonce CSP the bundle loads with the snippet nonce', async ({page, site, collector}) => {
  const tag = snippet(`${site.origin}/tracker.js`, collector.url).replace('<script>', `<script nonce="${NONCE}">`);
  const csp = `default-src 'none'; script-src 'nonce-${NONCE}'; connect-src ${collector.url}; style-src 'unsafe-inline'; img-src data:`;
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(site.page('/csp', htmlPage(tag), {'Content-Security-Policy': csp}));
  const result = await startTracker(page);
  expect(result.success).toBe(true);
  const nonce = await page.evaluate(() => (document.querySelector('script[src$="tracker.js"]') as HTMLScriptElement).nonce);
  expect(nonce).toBe(NONCE);
  const crossOrigin = await page.evaluate(() => (document.querySelector('script[src$="tracker.js"]') as HTMLScriptElement).crossOrigin);
  expect(crossOrigin).toBe('anonymous');
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('p'), {textContent: 'recorded'})));
  await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount > 0);
  expect(violations).toEqual([]);
});

test('injected by a tag manager after DOMContentLoaded it still starts', async ({page, site, collector}) => {
  const tag = snippet(`${site.origin}/tracker.js`, collector.url);
  await page.goto(site.page('/late', htmlPage('')));
  await page.waitForLoadState('load');
  await page.evaluate((html) => {
    const script = document.createElement('script');
    script.text = new DOMParser().parseFromString(html, 'text/html').querySelector('script')!.text;
    document.body.append(script);
  }, tag);
  const result = await startTracker(page);
  expect(result.success).toBe(true);
});

test('the call queue is bounded while the bundle is late', async ({page, site, collector}) => {
  site.options.bundleDelayMs = 2000;
  await page.goto(trackedPage(site, collector), {waitUntil: 'domcontentloaded'});
  const outcome = await page.evaluate(async () => {
    const tracker = (window as any).tracker;
    for (let i = 0; i < 5000; i++) tracker.event('spam', {i});
    const overflow = await tracker.start();
    return {queued: tracker._q.length, overflow};
  });
  expect(outcome.queued).toBe(1000);
  expect(outcome.overflow.success).toBe(false);
});
