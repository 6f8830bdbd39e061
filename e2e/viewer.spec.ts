// Issue "Replay viewer": record on the demo shop, then watch it in the viewer;
// and (issue #8) what went wrong, beside the replay.
import {test as base, expect, trackedPage, startTracker, waitForRecording, waitForSession, customEvents, EXPECTED_ERROR} from './fixtures';
import {snippet} from './helpers/site';
import {loginViewer, startCollector, removeDir} from './helpers/collector';
import {chattySession, cleanSession, postSession, problemSession} from './helpers/syntheticSession';
import {existsSync} from 'node:fs';
import type {Page} from '@playwright/test';
// @ts-expect-error: plain ES module without types
import {demoFiles, renderDemoFile} from '../demo/renderDemoPage.mjs';

const TYPES: Record<string, string> = {js: 'text/javascript', css: 'text/css'};

// The viewer and the read API need a login: every browser context here is
// logged in with the collector's admin key before its test starts
// (e2e/viewerLogin.spec.ts tests the login itself).
const test = base.extend({
  context: async ({context, collector}, use) => {
    await loginViewer(context, collector.url);
    await use(context);
  },
});

test('a session recorded on the demo plays back in the viewer, masked and without the password', async ({page, context, site, otherSite, collector}) => {
  test.setTimeout(90_000);
  const tag = snippet(`${site.origin}/tracker.js`, collector.url, {flushIntervalMs: 500});
  for (const name of demoFiles() as string[]) {
    const body = renderDemoFile(name, {snippet: tag, otherOrigin: otherSite.origin});
    if (name.endsWith('.html')) site.page(`/${name}`, body);
    else site.file(`/${name}`, body, TYPES[name.split('.').pop()!]);
  }
  await page.goto(`${site.origin}/index.html`);
  await expect(page.locator('#status')).toContainText('recording session');
  const sessionID = (await page.locator('#status').textContent())!.replace('recording session ', '');
  await page.fill('#name', 'Grace Hopper');
  await page.click('#password');
  await page.keyboard.type('correct-horse-battery', {delay: 15});
  await page.click('#add-card');
  await page.click('#add-card');
  await page.waitForTimeout(300);
  await page.evaluate(() => (window as any).tracker.stop());

  const viewer = await context.newPage();
  await viewer.setViewportSize({width: 1400, height: 900});
  await viewer.goto(`${collector.url}/`);
  const row = viewer.locator(`tr[data-session="${sessionID}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText('2'); // custom events: two card-added
  await row.locator('a').click();
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
  await expect(viewer.locator('#custom-events')).toContainText('event card-added');
  await viewer.getByRole('button', {name: '16x'}).click();
  await viewer.locator('.rr-controller__btns button').first().click();
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'finished', {timeout: 60_000});

  const frame = viewer.frameLocator('#player iframe');
  await expect(frame.locator('.card')).toHaveCount(2);
  await expect(frame.locator('#name')).toHaveValue('*'.repeat('Grace Hopper'.length));
  // The password field is blocked: replayed as an empty box, no input, no value.
  await expect(frame.locator('#password')).toHaveCount(0);
  const replayed = await frame.locator('html').innerHTML();
  expect(replayed).not.toContain('correct-horse');
  expect(replayed).not.toContain('Grace Hopper');
  await expect(viewer.locator('#replay-url')).toContainText(`${site.origin}/index.html`);
  await viewer.screenshot({path: test.info().outputPath('replay-page.png'), fullPage: true});
});

test('a custom event on the timeline jumps the replay to it', async ({page, context, site, collector}) => {
  site.page('/', `<!doctype html><html><head>${snippet(`${site.origin}/tracker.js`, collector.url)}</head><body><h1>x</h1></body></html>`);
  await page.goto(`${site.origin}/`);
  const {sessionID} = await page.evaluate(() => (window as any).tracker.start());
  await page.waitForTimeout(1500);
  await page.evaluate(() => (window as any).tracker.event('midway'));
  await page.waitForTimeout(1500);
  await page.evaluate(() => (window as any).tracker.stop());
  const viewer = await context.newPage();
  await viewer.goto(`${collector.url}/#/session/${sessionID}`);
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
  const marker = viewer.locator('#timeline button.mark.tag-tracker\\.event');
  await expect(marker).toHaveCount(1);
  await marker.click();
  // The player's clock moved to the event: about 1.5 s into the session.
  await expect
    .poll(async () => Number(((await viewer.locator('.rr-timeline__time').first().textContent()) ?? '00:00').split(':').pop()))
    .toBeGreaterThanOrEqual(1);
});

test('on all interfaces the read API needs an access key, and an old read secret works as one', async () => {
  const collector = await startCollector({host: '0.0.0.0', args: ['--read-secret', 'let-me-read']});
  try {
    const base = `http://127.0.0.1:${collector.port}`;
    const refused = await fetch(`${base}/api/sessions`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toContain('access key');
    const withBearer = await fetch(`${base}/api/sessions`, {headers: {Authorization: 'Bearer let-me-read'}});
    expect(withBearer.status).toBe(200);
    expect(await withBearer.json()).toEqual({sessions: [], nextCursor: null});
    // Never from the URL any more: a query string ends up in proxies' logs and the history.
    expect((await fetch(`${base}/api/sessions?key=let-me-read`)).status).toBe(401);
    expect((await fetch(`${base}/api/sessions`, {headers: {Authorization: 'Bearer wrong'}})).status).toBe(401);
    expect(collector.output()).toContain('is now an admin access key named "read-secret"');
  } finally {
    await collector.stop();
    removeDir(collector.dataDir);
  }
});

test('on loopback too the read API needs an access key, and the start-up line says so', async () => {
  const collector = await startCollector();
  try {
    expect((await fetch(`${collector.url}/api/sessions`)).status).toBe(401);
    expect((await fetch(`${collector.url}/metrics`)).status).toBe(401);
    // The viewer's files hold no data: it loads and shows its login form.
    expect((await fetch(`${collector.url}/`)).status).toBe(200);
    expect(collector.output()).toMatch(/read side, viewer and metrics: need an access key/);
  } finally {
    await collector.stop();
    removeDir(collector.dataDir);
  }
});

// The replay page's panel (SPEC section 5), on sessions written straight to
// the collector: the events and their times are known exactly.

async function openReplay(viewer: Page, collectorUrl: string, sessionID: string) {
  await viewer.setViewportSize({width: 1280, height: 800});
  await viewer.goto(`${collectorUrl}/#/session/${sessionID}`);
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
}

const replayClock = (viewer: Page) => viewer.evaluate(() => (window as any).replayViewer.currentTime() as number);
const offsetsOf = async (viewer: Page, rows: string) => (await viewer.locator(`${rows} .row`).evaluateAll((all) => all.map((row) => Number(row.getAttribute('data-offset')))));

test('the Console tab lists each line by level at its replay time, with the throttled notice', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-console');
  expect(await offsetsOf(page, '#console-rows')).toEqual([session.at.log, session.at.warn, session.at.throttled, session.at.consoleError]);
  await expect(page.locator('#console-rows .row.level-log')).toContainText('cart loaded {"items":2}');
  await expect(page.locator('#console-rows .row.level-warn')).toContainText('slow response from /api/orders');
  await expect(page.locator('#console-rows .row.throttled')).toContainText('37 console calls dropped');
  await expect(page.locator('#console-rows .row.level-error')).toContainText('payment failed: 500');
  await expect(page.locator('#console-rows .row.level-error time')).toHaveText('00:04.3');
});

test('the Network tab lists requests, failed ones in red, and opens a row to its headers and bodies', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-network');
  expect(await offsetsOf(page, '#network-rows')).toEqual([session.at.ordersOk, session.at.payFailed, session.at.offline]);
  const [ok, serverError, offline] = [0, 1, 2].map((i) => page.locator('#network-rows .row').nth(i));
  await expect(ok).toContainText('GET/api/orders?page=120084 ms2.0 KiB');
  await expect(ok).not.toHaveClass(/failed/);
  await expect(serverError).toHaveClass(/failed/);
  await expect(serverError.locator('.status')).toHaveText('500');
  expect(await serverError.locator('.status').evaluate((status) => getComputedStyle(status).color)).toBe('rgb(192, 51, 43)');
  await expect(offline).toHaveClass(/failed/);
  await expect(offline.locator('.status')).toHaveText('failed');
  // Headers and bodies stay folded until the row is opened.
  await expect(serverError.locator('.detail')).toBeHidden();
  await serverError.locator('summary').click();
  await expect(serverError.locator('.detail')).toBeVisible();
  await expect(serverError.locator('.detail')).toContainText('x-request-id');
  await expect(serverError.locator('.detail')).toContainText('req-7731');
  await expect(serverError.locator('.detail')).toContainText('"error": "card processor unavailable"');
  await expect(serverError.locator('.detail')).toContainText('"currency": "EUR"');
});

test('the Errors tab lists uncaught errors, and opens a row to its source and stack', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-errors');
  const error = page.locator('#errors-rows .row');
  await expect(error).toHaveCount(1);
  await expect(error).toHaveAttribute('data-offset', String(session.at.error));
  await expect(error.locator('summary')).toContainText("TypeError: Cannot read properties of undefined (reading 'total')");
  await expect(error.locator('.stack')).toBeHidden();
  await error.locator('summary').click();
  await expect(error.locator('.stack')).toContainText('at renderReceipt (https://shop.example/app.js:120:17)');
  await expect(error.locator('.detail')).toContainText('https://shop.example/app.js:120:17');
});

test('the Events tab keeps the other custom events, navigations included', async ({page, collector}) => {
  await openReplay(page, collector.url, await postSession(collector.url, problemSession().events));
  await page.click('#tab-events');
  await expect(page.locator('#custom-events .row')).toHaveText(['00:07.0pushState to https://shop.example/checkout/failed', '00:08.5event retry-clicked']);
});

test('the panel opens on the Errors tab when the session has errors, and counts what went wrong', async ({page, collector}) => {
  await openReplay(page, collector.url, await postSession(collector.url, problemSession().events));
  await expect(page.locator('#tab-errors')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#errors-rows')).toBeVisible();
  await expect(page.locator('#console-rows')).toBeHidden();
  await expect(page.locator('#tab-errors .count.bad')).toHaveText('1');
  // Tab labels: how many rows, and in red how many went wrong.
  await expect(page.locator('#tab-console .count:not(.bad)')).toHaveText('4');
  await expect(page.locator('#tab-console .count.bad')).toHaveText('1');
  await expect(page.locator('#tab-network .count.bad')).toHaveText('2');
  await expect(page.locator('#tab-events .count.bad')).toBeHidden();
});

test('clicking a network row seeks the player to that request', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-network');
  await page.locator('#network-rows .row').nth(2).locator('summary').click();
  await expect.poll(() => replayClock(page)).toBe(session.at.offline);
  await expect(page.locator('.rr-timeline__time').first()).toHaveText('00:05');
  await expect(page.locator('#network-rows .row.current')).toHaveAttribute('data-offset', String(session.at.offline));
  // The replayed page is the one of that moment: after the failed payment's text.
  await expect(page.frameLocator('#player iframe').locator('#status')).toHaveText('payment failed');
});

test('the current row follows the replay clock as it plays', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-console');
  // At 00:00 no line has been logged yet: none is current, all are still to come.
  await expect(page.locator('#console-rows .row.current')).toHaveCount(0);
  await expect(page.locator('#console-rows')).toHaveClass(/before-first/);
  await page.getByRole('button', {name: '16x'}).click();
  await page.locator('.rr-controller__btns button').first().click();
  await expect(page.locator('body')).toHaveAttribute('data-replay', 'finished', {timeout: 30_000});
  await expect(page.locator('#console-rows .row.current')).toHaveAttribute('data-offset', String(session.at.consoleError));
  await expect(page.locator('#console-rows .row.current')).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('#console-rows')).not.toHaveClass(/before-first/);
  // Every tab follows the clock, not only the one shown.
  await page.click('#tab-network');
  await expect(page.locator('#network-rows .row.current')).toHaveAttribute('data-offset', String(session.at.offline));
});

test('the current row is scrolled into view in a long list', async ({page, collector}) => {
  const session = chattySession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-console');
  const list = page.locator('#console-rows');
  expect(await list.evaluate((rows) => rows.scrollHeight > rows.clientHeight * 2)).toBe(true);
  await page.locator('#timeline button.mark.tag-tracker\\.event').click();
  const current = list.locator('.row.current');
  await expect(current).toContainText(`line ${session.lines}`);
  await expect(current).toBeInViewport();
  const [row, box] = [await current.boundingBox(), await list.boundingBox()];
  expect(row!.y).toBeGreaterThanOrEqual(box!.y);
  expect(row!.y + row!.height).toBeLessThanOrEqual(box!.y + box!.height + 1);
  // The list scrolled, not the page.
  expect(await page.evaluate(() => scrollY)).toBe(0);
});

test('the URL bar follows history navigation during the replay', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await expect(page.locator('#replay-url')).toHaveText(session.startUrl);
  await page.locator('#timeline button.mark.tag-tracker\\.event').click();
  await expect(page.locator('#replay-url')).toHaveText(session.navigatedUrl);
  await page.click('#tab-console');
  await page.locator('#console-rows .row').first().click();
  await expect(page.locator('#replay-url')).toHaveText(session.startUrl);
});

test('errors are marked in red on the timeline, at their time', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  const mark = page.locator('#timeline button.mark.tag-tracker\\.error');
  await expect(mark).toHaveCount(1);
  expect(await mark.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe('rgb(224, 32, 26)');
  expect(await mark.evaluate((button) => parseFloat(button.style.left))).toBeCloseTo((session.at.error / 10_000) * 100, 1);
  await mark.click();
  await expect.poll(() => replayClock(page)).toBe(session.at.error);
});

test('at 1280x800 the player controls are in view and the panel is not covered', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  const viewport = page.viewportSize()!;
  const inView = async (selector: string) => {
    const box = (await page.locator(selector).first().boundingBox())!;
    expect(box.x, selector).toBeGreaterThanOrEqual(0);
    expect(box.y, selector).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, selector).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height, selector).toBeLessThanOrEqual(viewport.height);
    return box;
  };
  await inView('.rr-controller');
  await inView('.rr-controller__btns');
  await inView('#timeline');
  const player = await inView('.rr-player');
  const panel = await inView('#devtools');
  expect(player.x + player.width).toBeLessThanOrEqual(panel.x);

  // The first characters of every list are on top, where they are drawn.
  for (const tab of ['events', 'console', 'network', 'errors']) {
    await page.click(`#tab-${tab}`);
    const time = page.locator(`[aria-labelledby="tab-${tab}"] .row time`).first();
    const box = (await time.boundingBox())!;
    expect(box.x, tab).toBeGreaterThanOrEqual(panel.x);
    const onTop = await page.evaluate(({x, y}) => document.elementFromPoint(x, y)?.closest('time')?.textContent, {x: box.x + 2, y: box.y + box.height / 2});
    expect(onTop, tab).toBe(await time.textContent());
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);

  // The README's picture: the failed payment opened, the replay at its time.
  await page.click('#tab-network');
  await page.locator('#network-rows .row').nth(1).locator('summary').click();
  await expect.poll(() => replayClock(page)).toBe(session.at.payFailed);
  const path = process.env.UPDATE_SCREENSHOTS && existsSync('docs') ? 'docs/replay-panel.png' : test.info().outputPath('replay-panel.png');
  await page.screenshot({path});
});

test('after the window is resized the player controls are still in view', async ({page, collector}) => {
  await openReplay(page, collector.url, await postSession(collector.url, problemSession().events));
  await page.setViewportSize({width: 1024, height: 640});
  await expect.poll(async () => {
    const box = (await page.locator('.rr-controller').boundingBox())!;
    return box.y + box.height <= 640 && box.x + box.width <= 1024;
  }).toBe(true);
  const [player, panel] = [await page.locator('.rr-player').boundingBox(), await page.locator('#devtools').boundingBox()];
  expect(player!.x + player!.width).toBeLessThanOrEqual(panel!.x);
});

test('a console row seeks the player from the keyboard too', async ({page, collector}) => {
  const session = problemSession();
  await openReplay(page, collector.url, await postSession(collector.url, session.events));
  await page.click('#tab-console');
  await page.locator('#console-rows .row.level-warn').focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => replayClock(page)).toBe(session.at.warn);
});

test('what a real page logged, fetched and threw shows in the panel as the tracker captured it', async ({page, context, site, collector}) => {
  site.handle('/api/missing', (_request, response) => {
    response.writeHead(404, {'Content-Type': 'application/json'});
    response.end('{"error":"not here"}');
  });
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(async (expected) => {
    await fetch('/api/missing');
    console.error('could not load the basket');
    setTimeout(() => {
      throw new Error(`basket is empty (${expected})`);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
  }, EXPECTED_ERROR);
  await page.evaluate(() => (window as any).tracker.stop());
  await waitForSession(collector, sessionID, (session) => customEvents(session, 'tracker.error').length > 0);

  const viewer = await context.newPage();
  await openReplay(viewer, collector.url, sessionID);
  await expect(viewer.locator('#errors-rows .row summary')).toContainText(`Error: basket is empty (${EXPECTED_ERROR})`);
  await viewer.click('#tab-network');
  const request = viewer.locator('#network-rows .row', {hasText: '/api/missing'});
  await expect(request).toHaveClass(/failed/);
  await expect(request.locator('.status')).toHaveText('404');
  await viewer.click('#tab-console');
  await expect(viewer.locator('#console-rows .row.level-error')).toContainText('could not load the basket');
});

test('the session list filter form asks the API for hasErrors, url and event', async ({page, collector}) => {
  await postSession(collector.url, problemSession().events);
  await page.goto(`${collector.url}/`);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  await page.fill('input[name=url]', 'checkout');
  await page.fill('input[name=event]', 'retry-clicked');
  await page.check('input[name=hasErrors]');
  const request = page.waitForRequest((request) => request.url().includes('/api/sessions?'));
  await page.click('form.filters button[type=submit]');
  const asked = new URL((await request).url()).searchParams;
  expect(asked.get('hasErrors')).toBe('1');
  expect(asked.get('url')).toBe('checkout');
  expect(asked.get('event')).toBe('retry-clicked');
  // The filters stay in the address, and in the form after a reload.
  await page.reload();
  await expect(page.locator('input[name=url]')).toHaveValue('checkout');
  await expect(page.locator('input[name=event]')).toHaveValue('retry-clicked');
  await expect(page.locator('input[name=hasErrors]')).toBeChecked();
});

test('a count that came as an estimate is asked again exactly once the page shows, and the exact one replaces it', async ({page, collector}) => {
  await postSession(collector.url, problemSession().events);
  await postSession(collector.url, cleanSession().events);
  // The collector estimates some small counts that would hold up the page
  // (PostgreSQL at scale): this one is made an estimate on its way.
  await page.route(/\/api\/sessions\?.*count=1/, async (route) => {
    const answer = await route.fetch();
    await route.fulfill({response: answer, json: {...(await answer.json()), count: {value: 3, exact: false}}});
  });
  // The exact count is held until the estimate has been seen.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const exactAsked = page.waitForRequest(/\/api\/sessions\?.*count=exact/);
  await page.route(/\/api\/sessions\?.*count=exact/, async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(`${collector.url}/`);
  await expect(page.locator('tr[data-session]')).toHaveCount(2);
  await expect(page.locator('.session-count')).toHaveText('about 3 sessions (estimate)');
  await expect(page.locator('.session-count')).toHaveAttribute('data-exact', 'false');
  expect(new URL((await exactAsked).url()).searchParams.get('limit')).toBe('1');
  release();
  await expect(page.locator('.session-count')).toHaveText('2 sessions');
  await expect(page.locator('.session-count')).toHaveAttribute('data-exact', 'true');
});

// These need the collector's problem counts and filters (SPEC section 5).
test.describe('with the collector counting problems', () => {
  test('the session list shows the errors, console errors and failed requests of each session', async ({page, collector}) => {
    const problem = await postSession(collector.url, problemSession().events);
    const clean = await postSession(collector.url, cleanSession().events);
    await page.goto(`${collector.url}/`);
    const problemRow = page.locator(`tr[data-session="${problem}"] td.problems`);
    await expect(problemRow.locator('[data-count=errors]')).toHaveText('1 error');
    await expect(problemRow.locator('[data-count=console-errors]')).toHaveText('1 console error');
    await expect(problemRow.locator('[data-count=failed-requests]')).toHaveText('2 failed requests');
    await expect(page.locator(`tr[data-session="${clean}"] td.problems`)).toHaveText('none');
  });

  for (const [field, fill] of [
    ['has errors', (page: Page) => page.check('input[name=hasErrors]')],
    ['URL', (page: Page) => page.fill('input[name=url]', 'shop.example/checkout')],
    ['event name', (page: Page) => page.fill('input[name=event]', 'retry-clicked')],
  ] as const) {
    test(`the session list filters by ${field}`, async ({page, collector}) => {
      const problem = await postSession(collector.url, problemSession().events);
      const clean = await postSession(collector.url, cleanSession().events);
      await page.goto(`${collector.url}/`);
      await expect(page.locator('tr[data-session]')).toHaveCount(2);
      await fill(page);
      await page.click('form.filters button[type=submit]');
      await expect(page.locator(`tr[data-session="${clean}"]`)).toHaveCount(0);
      await expect(page.locator('tr[data-session]')).toHaveCount(1);
      await expect(page.locator(`tr[data-session="${problem}"]`)).toBeVisible();
    });
  }
});
