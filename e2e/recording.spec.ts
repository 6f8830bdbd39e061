// Recording details of SPEC section 2: vitals, checkouts, compression on the wire.
import {test, expect, trackedPage, waitForSession, customEvents, startTracker} from './fixtures';
import {startProxy} from './helpers/proxy';

const hidePage = () => {
  // What a tab switch does, as far as web-vitals and the tracker can tell.
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
};

test('web vitals are recorded as tracker.vital, LCP and INP with the rrweb node id', async ({page, site, collector}) => {
  const body = `<h1 id="hero" style="font-size:64px">The largest text on this page</h1>
    <button id="slow" onclick="var t=Date.now();while(Date.now()-t<120){};this.textContent='done'">slow button</button>`;
  await page.goto(trackedPage(site, collector, {body, initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(page);
  await page.waitForTimeout(300);
  await page.click('#slow');
  // web-vitals takes interactions in an idle callback, which a hide can
  // overtake; it reports again at every hide, so hide twice as a user would.
  await page.waitForTimeout(500);
  await page.evaluate(hidePage);
  await page.waitForTimeout(500);
  await page.evaluate(hidePage);
  await page.evaluate(() => (window as any).tracker.stop());
  const session = await waitForSession(collector, result.sessionID, (s) => customEvents(s, 'tracker.vital').length >= 4);
  const vitals = Object.fromEntries(customEvents(session, 'tracker.vital').map((e) => [e.data.payload.name, e.data.payload]));
  expect(Object.keys(vitals).sort()).toEqual(expect.arrayContaining(['CLS', 'FCP', 'INP', 'LCP', 'TTFB']));
  for (const vital of Object.values<any>(vitals)) {
    expect(typeof vital.value).toBe('number');
    expect(['good', 'needs-improvement', 'poor']).toContain(vital.rating);
  }
  // The node ids point at the right elements in the recorded DOM.
  const snapshot = session.pages[0].events!.find((e) => e.type === 2)!.data.node;
  const idOf = (elementId: string, node: any = snapshot): number | undefined => {
    if (node.attributes?.id === elementId) return node.id;
    for (const child of node.childNodes ?? []) {
      const found = idOf(elementId, child);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  expect(vitals.LCP.nodeId).toBe(idOf('hero'));
  expect(vitals.INP.nodeId).toBe(idOf('slow'));
  expect(vitals.INP.value).toBeGreaterThanOrEqual(100);
  expect(session.vitals).toMatchObject({LCP: {rating: expect.any(String)}, INP: {rating: expect.any(String)}});
});

test('a full snapshot is taken again every checkout interval', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {checkoutIntervalMs: 1000, flushIntervalMs: 200}}));
  const result = await startTracker(page);
  for (let i = 0; i < 12; i++) {
    await page.evaluate((n) => document.body.append(`change ${n}`), i);
    await page.waitForTimeout(250);
  }
  await page.evaluate(() => (window as any).tracker.stop());
  const session = await waitForSession(collector, result.sessionID, (s) => (s.pages[0].events ?? []).filter((e) => e.type === 2).length >= 3);
  // Each checkout is a Meta + FullSnapshot pair: a replay can start there.
  const events = session.pages[0].events!;
  const snapshots = events.map((e, i) => [e, i] as const).filter(([e]) => e.type === 2);
  for (const [, index] of snapshots) expect(events[index - 1].type).toBe(4);
});

test('batches travel gzipped, and as plain JSON where CompressionStream is missing', async ({browser, site, collector}) => {
  const proxy = await startProxy(collector.url);
  try {
    const encodings: Array<string | undefined> = [];
    for (const withCompression of [true, false]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      if (!withCompression) await page.addInitScript(() => delete (window as any).CompressionStream);
      page.on('request', (request) => {
        if (request.url().includes('/v1/web/i')) encodings.push(`${withCompression}:${request.headers()['content-encoding'] ?? 'identity'}`);
      });
      await page.goto(trackedPage(site, collector, {ingestPoint: proxy.url, path: `/c${withCompression}`, initOptions: {flushIntervalMs: 200}}));
      const result = await startTracker(page);
      await page.evaluate(() => document.body.append('x'.repeat(20_000)));
      await page.waitForTimeout(800);
      await page.evaluate(() => (window as any).tracker.stop());
      await waitForSession(collector, result.sessionID, (s) => JSON.stringify(s).includes('x'.repeat(20_000)));
      await context.close();
    }
    expect(encodings).toContain('true:gzip');
    expect(encodings).not.toContain('true:identity');
    expect(encodings).toContain('false:identity');
    expect(encodings).not.toContain('false:gzip');
  } finally {
    await proxy.stop();
  }
});
