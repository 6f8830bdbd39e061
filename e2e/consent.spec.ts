// Consent: the snippet loads with the page, start() waits for the visitor's
// consent (docs/install.md, "Tag managers and consent"), and the recording still covers
// the page on which consent was given.
import {test, expect, trackedPage, waitForSession} from './fixtures';

const CONSENT_PAGE = `
  <h1>Welcome to the shop</h1>
  <p id="offer">Autumn sale: two for one</p>
  <div id="banner">
    We would like to record this visit to improve the shop.
    <button id="accept">Accept</button>
  </div>
  <script>
    document.getElementById('accept').addEventListener('click', function () {
      document.getElementById('banner').remove();
      window.consentResult = tracker.start({userID: 'ada@example.com'});
    });
  </script>`;

test('start() deferred until consent sends nothing before, and records the first page after', async ({page, site, collector}) => {
  const toCollector: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(collector.url)) toCollector.push(request.url());
  });
  const url = trackedPage(site, collector, {body: CONSENT_PAGE});
  await page.goto(url);
  // Loaded and the bundle running, still without consent: not one request.
  await page.waitForFunction(() => (window as any).tracker._live === true);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
  expect(toCollector).toEqual([]);
  expect(await page.evaluate(() => (window as any).tracker.isActive())).toBe(false);

  await page.click('#accept');
  const result = await page.evaluate(() => (window as any).consentResult);
  expect(result).toMatchObject({success: true});

  const session = await waitForSession(collector, result.sessionID, (s) => (s.pages[0]?.events ?? []).some((e) => e.type === 2));
  expect(session.pages).toHaveLength(1);
  expect(session.pages[0].url).toBe(url);
  expect(session.userID).toBe('ada@example.com');
  // The first page's full snapshot: its content, as it was when consent came.
  const snapshot = JSON.stringify(session.pages[0].events!.find((e) => e.type === 2));
  expect(snapshot).toContain('Autumn sale: two for one');
  expect(snapshot).not.toContain('We would like to record this visit');
});

test('without consent the tracker neither talks to the collector nor stores anything', async ({page, site, collector}) => {
  const toCollector: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(collector.url)) toCollector.push(request.url());
  });
  const url = trackedPage(site, collector, {body: CONSENT_PAGE});
  await page.goto(url);
  await page.waitForFunction(() => (window as any).tracker._live === true);
  // The visitor reads, scrolls and leaves without accepting.
  await page.mouse.wheel(0, 200);
  await page.click('#offer');
  // Nothing kept in the browser either: no session, no user ID.
  const stored = await page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]);
  expect(stored.filter((key) => key.startsWith('tracker:'))).toEqual([]);
  await page.goto(site.page('/bye', '<p>bye</p>'));
  expect(toCollector).toEqual([]);
  expect(await collector.sessions()).toEqual([]);
});
