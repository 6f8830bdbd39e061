// Issue "Replay viewer": record on the demo shop, then watch it in the viewer.
import {test, expect} from './fixtures';
import {snippet} from './helpers/site';
import {startCollector, removeDir} from './helpers/collector';
// @ts-expect-error: plain ES module without types
import {demoFiles, renderDemoFile} from '../demo/renderDemoPage.mjs';

const TYPES: Record<string, string> = {js: 'text/javascript', css: 'text/css'};

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

test('on all interfaces the read API and the viewer need the read secret', async () => {
  const collector = await startCollector({host: '0.0.0.0', args: ['--read-secret', 'let-me-read']});
  try {
    const base = `http://127.0.0.1:${collector.port}`;
    for (const path of ['/api/sessions', '/', '/viewer/app.js']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      expect((await response.json()).error).toContain('read secret');
    }
    const withBearer = await fetch(`${base}/api/sessions`, {headers: {Authorization: 'Bearer let-me-read'}});
    expect(withBearer.status).toBe(200);
    expect(await withBearer.json()).toEqual({sessions: []});
    // ?key= sets a cookie and redirects, so the secret does not stay in the address bar.
    const withKey = await fetch(`${base}/?key=let-me-read`, {redirect: 'manual'});
    expect([302, 303]).toContain(withKey.status);
    expect(withKey.headers.get('location')).not.toContain('let-me-read');
    const cookie = withKey.headers.get('set-cookie')!.split(';')[0];
    expect((await fetch(`${base}/`, {headers: {Cookie: cookie}})).status).toBe(200);
    expect((await fetch(`${base}/viewer/app.js`, {headers: {Cookie: cookie}})).status).toBe(200);
    expect((await fetch(`${base}/api/sessions`, {headers: {Authorization: 'Bearer wrong'}})).status).toBe(401);
    expect(collector.output()).toContain('need the read secret');
  } finally {
    await collector.stop();
    removeDir(collector.dataDir);
  }
});

test('on loopback the read API and the viewer are open, and the start-up line says so', async ({collector}) => {
  expect((await fetch(`${collector.url}/api/sessions`)).status).toBe(200);
  expect((await fetch(`${collector.url}/`)).status).toBe(200);
  expect(collector.output()).toMatch(/read API and viewer: open/);
});
