// SPEC section 7: rage, dead and error clicks, each one event with the
// element's selector, and none for ordinary clicks.
import type {Page} from '@playwright/test';
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording, EXPECTED_ERROR} from './fixtures';
import {adminHeaders, loginViewer, type RunningCollector, type StoredSession} from './helpers/collector';
import {htmlPage, snippet, type Site} from './helpers/site';

const PAGE = `
  <style>div, button, a { display: block; margin: 40px; width: 200px; height: 30px; }</style>
  <div id="rage" class="slow-card">Secret rage target text</div>
  <button id="dead" class="buy" data-tracker-mask>Masked dead button text</button>
  <button id="boom">boom</button>
  <button id="works">works</button>
  <ul id="list"></ul>
  <a id="link" href="/next">next page</a>
  <script>
    document.getElementById('boom').addEventListener('click', () => { throw new Error('${EXPECTED_ERROR}: click failed'); });
    document.getElementById('works').addEventListener('click', () => document.getElementById('list').append(document.createElement('li')));
  </script>`;

test('rage, dead and error clicks each make one event, ordinary clicks none', async ({page, context, site, collector}) => {
  test.setTimeout(60_000);
  site.page('/next', '<!doctype html><h1>next</h1>');
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}, body: PAGE}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  const settle = () => page.waitForTimeout(1300); // past each click's 1 s window

  const rage = (await page.locator('#rage').boundingBox())!;
  for (let i = 0; i < 5; i++) await page.mouse.click(rage.x + 20 + i * 3, rage.y + 10);
  await settle();
  await page.click('#dead');
  await settle();
  await page.click('#boom');
  await settle();
  await page.click('#works');
  await settle();
  await page.click('#link');
  await page.waitForURL('**/next');

  const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.errorclick').length > 0);
  const payloads = (tag: string) => customEvents(session, tag).map((event) => event.data.payload);
  expect(payloads('tracker.rageclick')).toEqual([expect.objectContaining({selector: 'div#rage', clicks: 5})]);
  expect(payloads('tracker.deadclick')).toEqual([expect.objectContaining({selector: 'button#dead'})]);
  expect(payloads('tracker.errorclick')).toEqual([expect.objectContaining({selector: 'button#boom', message: expect.stringContaining('click failed')})]);
  // The selector names the element, its text never travels.
  const all = JSON.stringify(session.pages.flatMap((p) => p.events).filter((e) => e?.type === 5));
  expect(all).not.toContain('Masked dead button text');
  expect(all).not.toContain('Secret rage target text');
  for (const payload of payloads('tracker.deadclick')) expect(payload.nodeId).toBeGreaterThan(0);

  const summary = await (await fetch(`${collector.url}/api/sessions/${sessionID}`, {headers: adminHeaders})).json();
  expect([summary.rageClickCount, summary.deadClickCount, summary.errorClickCount]).toEqual([1, 1, 1]);
  const frustrated = await (await fetch(`${collector.url}/api/sessions?frustrated=1`, {headers: adminHeaders})).json();
  expect(frustrated.sessions.map((s: {sessionID: string}) => s.sessionID)).toEqual([sessionID]);

  // The viewer marks them on the timeline and lists them beside the replay.
  await loginViewer(context, collector.url);
  const viewer = await context.newPage();
  await viewer.goto(`${collector.url}/#/session/${sessionID}`);
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
  for (const tag of ['rageclick', 'deadclick', 'errorclick']) {
    await expect(viewer.locator(`#timeline button.mark.tag-tracker\\.${tag}`)).toHaveCount(1);
  }
  await expect(viewer.locator('#custom-events')).toContainText('dead click on button#dead');
});

test('with captureFrustration off no frustration event is recorded', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200, captureFrustration: false}, body: PAGE}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.click('#dead');
  await page.click('#boom');
  await page.waitForTimeout(1300);
  await page.evaluate(() => (window as any).tracker.event('done'));
  const session = await waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.event').length > 0);
  expect(customEvents(session).filter((event) => /click$/.test(event.data.tag))).toEqual([]);
});

/** Waits until the session holds everything sent so far: a marker event sent last. */
async function settled(page: Page, collector: RunningCollector, sessionID: string) {
  const marker = `settled-${Date.now()}`;
  await page.evaluate((name) => (window as any).tracker.event(name), marker);
  return waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.event').some((e) => e.data.payload.name === marker));
}

const tagged = (session: StoredSession, tag: string) => customEvents(session, tag).map((event) => event.data.payload);

test('a rage click is 3 clicks within 1 s: three 0.8 s apart are none, three quick ones are one', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}, body: PAGE}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  const rage = (await page.locator('#rage').boundingBox())!;
  for (let i = 0; i < 3; i++) {
    if (i) await page.waitForTimeout(800);
    await page.mouse.click(rage.x + 20, rage.y + 10);
  }
  await page.waitForTimeout(1300); // the slow burst is over
  expect(tagged(await settled(page, collector, sessionID), 'tracker.rageclick')).toEqual([]);
  for (let i = 0; i < 3; i++) await page.mouse.click(rage.x + 20, rage.y + 10);
  await page.waitForTimeout(1300);
  expect(tagged(await settled(page, collector, sessionID), 'tracker.rageclick')).toEqual([expect.objectContaining({selector: 'div#rage', clicks: 3})]);
});

/** A page on `site` that answers after `delayMs`, with the snippet, so that the session goes on there. */
function serveSlowPage(site: Site, collector: RunningCollector, path: string, delayMs: number) {
  const html = htmlPage(snippet(`${site.origin}/tracker.js`, collector.url, {flushIntervalMs: 200}), '<h1>arrived</h1>');
  site.handle(path, (_request, response) => {
    setTimeout(() => {
      response.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'});
      response.end(html);
    }, delayMs);
  });
}

/** Clicks `selector`, which takes the page to the slow /arrived, and returns the session once the next page has sent what it has. */
async function clickAndArrive(page: Page, site: Site, collector: RunningCollector, body: string, selector: string) {
  serveSlowPage(site, collector, '/arrived', 2500);
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}, body}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.click(selector, {noWaitAfter: true});
  await page.waitForURL('**/arrived*', {timeout: 15_000});
  // The same tab's session goes on on the next page.
  expect(await startTracker(page)).toMatchObject({success: true, sessionID});
  return settled(page, collector, sessionID);
}

test('a submit button whose form navigates after a slow server is not a dead click', async ({page, site, collector}) => {
  const session = await clickAndArrive(page, site, collector, '<form action="/arrived"><input name="q" value="x"><button id="pay">Pay</button></form>', '#pay');
  expect(tagged(session, 'tracker.deadclick')).toEqual([]);
});

test('a button that leaves the page for a slow server is not a dead click', async ({page, site, collector}) => {
  const body = `<button id="go">go</button><script>document.getElementById('go').onclick = () => { location.href = '/arrived'; };</script>`;
  const session = await clickAndArrive(page, site, collector, body, '#go');
  expect(tagged(session, 'tracker.deadclick')).toEqual([]);
});

test('a button whose only effect is pushState or replaceState is not a dead click', async ({page, site, collector}) => {
  const body = `<button id="push">push</button><button id="replace">replace</button>
    <script>
      document.getElementById('push').onclick = () => history.pushState({step: 2}, '', '/step-2');
      document.getElementById('replace').onclick = () => history.replaceState({step: 3}, '', '/step-3');
    </script>`;
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}, body}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.click('#push');
  await page.waitForTimeout(1300);
  await page.click('#replace');
  await page.waitForTimeout(1300);
  expect(tagged(await settled(page, collector, sessionID), 'tracker.deadclick')).toEqual([]);
});
