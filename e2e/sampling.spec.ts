// SPEC section 7: which sessions are kept. Sampling decided once per session,
// and record on error: memory only until a trigger, then sent and recorded on.
import type {Page} from '@playwright/test';
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording, EXPECTED_ERROR} from './fixtures';
import {adminHeaders, loginViewer, type RunningCollector} from './helpers/collector';

const FAST = {flushIntervalMs: 200};

/** Every request the page makes to the collector. */
function collectorRequests(page: Page, collector: RunningCollector): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(collector.url)) seen.push(request.url());
  });
  return seen;
}

/** The tracker's own session ID as stored in the tab (set once a session exists). */
const storedSessionID = (page: Page) =>
  page.evaluate(() => JSON.parse(sessionStorage.getItem('tracker:session:demo') || 'null')?.sessionID ?? null);

test('with sampleRate 0 nothing reaches the collector and start() says it was sampled out', async ({page, site, collector}) => {
  const requests = collectorRequests(page, collector);
  await page.goto(trackedPage(site, collector, {initOptions: {...FAST, sampleRate: 0}, body: '<button id="b">b</button>'}));
  const result = await startTracker(page);
  expect(result).toEqual({success: false, reason: expect.stringMatching(/sampled out/)});
  await page.click('#b');
  await page.evaluate(() => fetch('/missing').catch(() => {}));
  await page.waitForTimeout(1000);
  expect(requests).toEqual([]);
  expect(await collector.sessions()).toEqual([]);
  expect(await page.evaluate(() => (window as any).tracker.isActive())).toBe(false);
});

test('a session sampled out stays out after a reload, even if the page now asks for every session', async ({page, site, collector}) => {
  const requests = collectorRequests(page, collector);
  await page.goto(trackedPage(site, collector, {path: '/out', initOptions: {...FAST, sampleRate: 0}}));
  expect((await startTracker(page)).success).toBe(false);
  await page.goto(trackedPage(site, collector, {path: '/out', initOptions: {...FAST, sampleRate: 1}}));
  const again = await startTracker(page);
  expect(again).toEqual({success: false, reason: expect.stringMatching(/sampled out/)});
  expect(requests).toEqual([]);
  // A new session (forceNew) draws again.
  expect((await startTracker(page, {forceNew: true})).success).toBe(true);
});

test('a sampled session stays recorded after a reload, even if the page now samples none', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {path: '/in', initOptions: {...FAST, sampleRate: 1}}));
  const first = await startTracker(page);
  expect(first.success).toBe(true);
  await page.goto(trackedPage(site, collector, {path: '/in', initOptions: {...FAST, sampleRate: 0}}));
  const second = await startTracker(page);
  expect(second).toMatchObject({success: true, sessionID: first.sessionID});
});

test('record on error: nothing is sent until an error, then the last bufferSeconds go out from a full snapshot and recording goes on', async ({
  page,
  context,
  site,
  collector,
}) => {
  test.setTimeout(90_000);
  const requests = collectorRequests(page, collector);
  const body = '<button id="add">add</button><ul id="list"></ul><button id="fail">fail</button>';
  const script = `<script>
    document.addEventListener('click', (e) => {
      if (e.target.id === 'add') document.getElementById('list').append(Object.assign(document.createElement('li'), {textContent: 'item ' + Date.now()}));
      if (e.target.id === 'fail') setTimeout(() => { throw new Error('${EXPECTED_ERROR}: checkout failed'); });
    });
  </script>`;
  const bufferSeconds = 4;
  const setup = {initOptions: {...FAST, sampleRate: 0, onErrorSampleRate: 1, bufferSeconds}, body: body + script};
  await page.goto(trackedPage(site, collector, setup));
  const result = await startTracker(page);
  expect(result).toEqual({success: false, reason: expect.stringMatching(/onErrorSampleRate/)});
  await waitForRecording(page);
  // Activity for three buffer lengths: every checkout has turned over.
  for (let i = 0; i < 12; i++) {
    await page.click('#add');
    await page.waitForTimeout(1000);
  }
  expect(requests).toEqual([]);
  expect(await storedSessionID(page)).toBe(null);

  const errorAt = await page.evaluate(() => Date.now());
  await page.click('#fail');
  await expect.poll(() => storedSessionID(page)).not.toBe(null);
  const sessionID = (await storedSessionID(page)) as string;
  const sent = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.trigger').length === 1 && customEvents(s, 'tracker.error').length === 1);
  const events = sent.pages[0].events!;
  // The buffer begins with a full snapshot (Meta, then FullSnapshot) ...
  const firstSnapshot = events.findIndex((event) => event.type === 2);
  expect(events.findIndex((event) => event.type === 4)).toBe(firstSnapshot - 1);
  expect(events.slice(0, firstSnapshot - 1).every((event) => event.type === 5)).toBe(true);
  // ... and covers at most bufferSeconds before the error.
  expect(errorAt - events[firstSnapshot].timestamp).toBeLessThanOrEqual(bufferSeconds * 1000);
  expect(errorAt - events[firstSnapshot].timestamp).toBeGreaterThan(0);
  const summary = await (await fetch(`${collector.url}/api/sessions/${sessionID}`, {headers: adminHeaders})).json();
  expect(summary.trigger).toBe('error');

  // Recording goes on after the trigger ...
  await page.click('#add');
  await page.evaluate(() => (window as any).tracker.event('after-trigger'));
  await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.event').some((e) => e.data.payload.name === 'after-trigger'));
  // ... and across a reload, in the same session.
  await page.reload();
  expect(await startTracker(page)).toMatchObject({success: true, sessionID});

  // The viewer replays it from its full snapshot and marks the trigger.
  await loginViewer(context, collector.url);
  const viewer = await context.newPage();
  await viewer.goto(`${collector.url}/#/session/${sessionID}`);
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
  await expect(viewer.locator('#timeline button.mark.tag-tracker\\.trigger')).toHaveCount(1);
  await expect(viewer.frameLocator('#player iframe').locator('#add')).toBeVisible();
});

test('flush() sends a record-on-error buffer without any error', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {...FAST, sampleRate: 0, onErrorSampleRate: 1}}));
  await startTracker(page);
  await waitForRecording(page);
  expect(await storedSessionID(page)).toBe(null);
  await page.evaluate(() => (window as any).tracker.flush());
  const sessionID = (await storedSessionID(page)) as string;
  expect(sessionID).not.toBe(null);
  const sent = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.trigger').length === 1);
  expect(customEvents(sent, 'tracker.trigger')[0].data.payload.reason).toBe('flush()');
  expect(sent.pages[0].events!.some((event) => event.type === 2)).toBe(true);
});

test('a failed request sends a record-on-error buffer', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {...FAST, sampleRate: 0, onErrorSampleRate: 1}}));
  await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(() => fetch('/no-such-endpoint'));
  await expect.poll(() => storedSessionID(page)).not.toBe(null);
  const sent = await waitForSession(collector, (await storedSessionID(page)) as string, (s) => customEvents(s, 'tracker.trigger').length === 1);
  expect(customEvents(sent, 'tracker.trigger')[0].data.payload.reason).toBe('failed request');
});

test('on a heavy page the record-on-error buffer stays under maxBufferBytes and still begins with a full snapshot', async ({page, site, collector}) => {
  test.setTimeout(60_000);
  const maxBufferBytes = 300_000;
  // About 40 KB of new DOM every 100 ms.
  const script = `<script>
    setInterval(() => {
      const block = document.createElement('p');
      block.textContent = 'x'.repeat(40000) + Math.random();
      document.body.append(block);
      if (document.body.children.length > 6) document.body.children[1].remove();
    }, 100);
  </script>`;
  await page.goto(trackedPage(site, collector, {initOptions: {...FAST, sampleRate: 0, onErrorSampleRate: 1, bufferSeconds: 2, maxBufferBytes}, body: '<h1>heavy</h1>' + script}));
  await startTracker(page);
  await waitForRecording(page);
  const sizes: number[] = [];
  for (let i = 0; i < 30; i++) {
    sizes.push(await page.evaluate(() => (window as any).tracker._stats().bufferedBytes));
    await page.waitForTimeout(150);
  }
  expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBufferBytes);
  expect(Math.max(...sizes)).toBeGreaterThan(maxBufferBytes / 4);
  await page.evaluate(() => (window as any).tracker.flush());
  const sessionID = (await storedSessionID(page)) as string;
  const sent = await waitForSession(collector, sessionID, (s) => s.pages[0]?.events?.some((event) => event.type === 2) ?? false);
  const events = sent.pages[0].events!;
  expect(events.find((event) => event.type !== 5)?.type).toBe(4);
});

test('a sessionHash from a recorded session goes on recording on another origin, whatever sampleRate says there', async ({page, site, otherSite, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {...FAST, sampleRate: 1}}));
  const first = await startTracker(page);
  expect(first.success).toBe(true);
  await page.goto(trackedPage(otherSite, collector, {path: '/checkout', initOptions: {...FAST, sampleRate: 0.01}}));
  const second = await startTracker(page, {sessionHash: first.sessionHash});
  expect(second).toMatchObject({success: true, sessionID: first.sessionID});
  await waitForRecording(page);
  await page.evaluate(() => (window as any).tracker.event('on-checkout'));
  const session = await waitForSession(collector, first.sessionID, (s) => customEvents(s, 'tracker.event').some((e) => e.data.payload.name === 'on-checkout'));
  expect(session.pages.map((p) => new URL(p.url).origin)).toEqual([site.origin, otherSite.origin]);
});
