// No task of the tracker's takes 50 ms or more while a page loads, on the
// dashboard and on a page of 20,000 elements with a 2,000-rule stylesheet,
// started at once or after `load` as a tag manager does. Blocking work is
// attributed to the tracker by the Long Animation Frames API: each script of
// a long frame carries the URL it came from.
//
// These tests time the main thread, so they run last and alone (the
// main-thread project of playwright.config.ts): another test's browser on
// the same two cores would stretch any task.
import type {Page} from '@playwright/test';
import {test, expect, trackedPage, startTracker, waitForSession, waitForRecording} from './fixtures';
import type {StoredSession} from './helpers/collector';
import {snippet, type Site} from './helpers/site';
import {manyElementsPage} from '../bench/lib/manyElementsPage.mjs';
import {dashboardAssets, dashboardPage} from '../bench/lib/dashboardPage.mjs';

test.skip(({browserName}) => browserName !== 'chromium', 'Long Animation Frames are a Chromium API');

const hasFullSnapshot = (session: StoredSession) => session.pages.some((page) => (page.events ?? []).some((event) => event.type === 2));

/** Every script of every long animation frame, kept from the first one on. */
const observeLongFrames = () => {
  const scripts: {sourceURL: string; duration: number; invoker: string; forcedLayout: number; at: string}[] = [];
  (window as any).__longFrameScripts = scripts;
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries() as any[]) {
      for (const script of frame.scripts) scripts.push({sourceURL: script.sourceURL, duration: script.duration, invoker: script.invoker, forcedLayout: script.forcedStyleAndLayoutDuration, at: `${script.sourceFunctionName}@${script.sourceCharPosition}`});
    }
  }).observe({type: 'long-animation-frame', buffered: true});
};

/** The tracker's scripts in long animation frames; none may last 50 ms. */
async function trackerScripts(page: Page) {
  const scripts: {sourceURL: string; duration: number; invoker: string; forcedLayout: number; at: string}[] = await page.evaluate(() => (window as any).__longFrameScripts);
  return scripts.filter((script) => /\/tracker[.-]/.test(script.sourceURL));
}

function serveDashboard(site: Site): void {
  for (const [path, body] of dashboardAssets()) site.file(path, body, path.endsWith('.css') ? 'text/css' : path.endsWith('.svg') ? 'image/svg+xml' : 'image/png');
}

/** Loads `url`, waits for the snapshot to be stored, and returns the tracker's long scripts. */
async function loadAndWatch(page: Page, url: string, started: () => Promise<string>, collector: Parameters<typeof waitForSession>[0]) {
  await page.addInitScript(observeLongFrames);
  await page.goto(url);
  const sessionID = await started();
  await waitForRecording(page);
  await waitForSession(collector, sessionID, hasFullSnapshot);
  // A second more: what follows the snapshot (the batch it goes out in).
  await page.waitForTimeout(1000);
  return trackerScripts(page);
}

const startedAtOnce = (page: Page) => async () => (await startTracker(page)).sessionID as string;

test('on the dashboard, started in <head>', async ({page, site, collector}) => {
  serveDashboard(site);
  const head = snippet(`${site.origin}/tracker.js`, collector.url, {flushIntervalMs: 500});
  const url = site.page('/dashboard.html', dashboardPage({head}));
  const scripts = await loadAndWatch(page, url, startedAtOnce(page), collector);
  expect(scripts.filter((script) => script.duration >= 50), JSON.stringify(scripts)).toEqual([]);
});

test('on a page of 20,000 elements and 2,000 style rules, started in <head>', async ({page, site, collector}) => {
  const head = snippet(`${site.origin}/tracker.js`, collector.url, {flushIntervalMs: 500});
  const url = site.page('/many.html', manyElementsPage({head}));
  const scripts = await loadAndWatch(page, url, startedAtOnce(page), collector);
  expect(scripts.filter((script) => script.duration >= 50), JSON.stringify(scripts)).toEqual([]);
});

test('on the same page, started after load as a tag manager does', async ({page, site, collector}) => {
  // The snippet's code is added by script once the page has loaded.
  const code = snippet(`${site.origin}/tracker.js`, collector.url, {flushIntervalMs: 500}).replace(/^<script>|<\/script>$/g, '');
  const late = `<script>addEventListener('load', () => setTimeout(() => {
    const script = document.createElement('script');
    script.textContent = ${JSON.stringify(code)};
    document.head.append(script);
    window.tracker.start().then((result) => (window.lateStart = result));
  }, 0));</script>`;
  const url = site.page('/late.html', manyElementsPage({head: late}));
  const started = async () => {
    await page.waitForFunction(() => (window as any).lateStart);
    return page.evaluate(() => (window as any).lateStart.sessionID as string);
  };
  const scripts = await loadAndWatch(page, url, started, collector);
  expect(scripts.filter((script) => script.duration >= 50), JSON.stringify(scripts)).toEqual([]);
});
