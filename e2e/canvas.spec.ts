// SPEC section 7: captureCanvas. A chart on a 2D canvas and a scene on a
// WebGL canvas replay as they looked; without the option, or inside a blocked
// element, no canvas pixel leaves the page.
import {readFileSync, writeFileSync} from 'node:fs';
import type {Page} from '@playwright/test';
import pixelmatch from 'pixelmatch';
// @ts-expect-error: pngjs ships without types
import {PNG} from 'pngjs';
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording} from './fixtures';
import type {Site} from './helpers/site';
import {loginViewer, type RunningCollector, type StoredSession} from './helpers/collector';

const WIDTH = 800;
const HEIGHT = 450;

const PAGE = `
  <style>body { margin: 0; background: #fff; } canvas { display: block; float: left; margin: 10px; }</style>
  <canvas id="chart" width="380" height="260"></canvas>
  <canvas id="scene" width="360" height="260"></canvas>
  <div class="tracker-block"><canvas id="secret" width="200" height="100"></canvas></div>
  <script>
    // Drawn when the test says (as a chart drawn once its data arrived).
    window.draw = () => {
      const chart = document.getElementById('chart').getContext('2d');
      chart.fillStyle = '#f4f6fb';
      chart.fillRect(0, 0, 380, 260);
      const values = [120, 200, 80, 170, 230, 60, 150];
      values.forEach((value, i) => {
        chart.fillStyle = ['#2c5cc5', '#0a8a4a', '#c0332b'][i % 3];
        chart.fillRect(20 + i * 50, 240 - value, 36, value);
      });
      chart.strokeStyle = '#1d2330';
      chart.lineWidth = 3;
      chart.beginPath();
      values.forEach((value, i) => chart.lineTo(38 + i * 50, 240 - value - 10));
      chart.stroke();

      const gl = document.getElementById('scene').getContext('webgl');
      gl.clearColor(0.95, 0.75, 0.2, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.enable(gl.SCISSOR_TEST);
      gl.scissor(60, 60, 160, 120);
      gl.clearColor(0.1, 0.3, 0.8, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.disable(gl.SCISSOR_TEST);

      const secret = document.getElementById('secret').getContext('2d');
      secret.fillStyle = '#ff00ff';
      secret.fillRect(0, 0, 200, 100);
    };
  </script>`;

/** Every request the page makes, by path. */
function requestedPaths(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  return paths;
}

async function recordCanvasPage(page: Page, site: Site, collector: RunningCollector, initOptions: object) {
  site.file('/tracker-canvas.js', readFileSync('dist/tracker-canvas.js', 'utf8'), 'text/javascript');
  await page.setViewportSize({width: WIDTH, height: HEIGHT});
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200, ...initOptions}, body: PAGE}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(() => (window as any).draw());
  // Two snapshot periods at the default 2 fps, then everything is sent.
  await page.waitForTimeout(1500);
  const live = PNG.sync.read(await page.screenshot());
  const blocked = (await page.locator('#secret').boundingBox())!;
  await page.evaluate(() => (window as any).tracker.stop());
  return {sessionID: sessionID as string, live, blocked};
}

const canvasEvents = (session: StoredSession) =>
  session.pages.flatMap((p) => p.events ?? []).filter((event) => event.type === 3 && event.data.source === 9);

/** The replay at its end, as a screenshot the size of the recorded page. */
async function replayScreenshot(page: Page, collector: RunningCollector, sessionID: string) {
  await loginViewer(page.context(), collector.url);
  const viewer = await page.context().newPage();
  // Wide enough that the player shows the recorded page at scale 1.
  await viewer.setViewportSize({width: 1600, height: 1000});
  await viewer.goto(`${collector.url}/#/session/${sessionID}`);
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'ready');
  await viewer.getByRole('button', {name: '16x'}).click();
  await viewer.locator('.rr-controller__btns button').first().click();
  await expect(viewer.locator('body')).toHaveAttribute('data-replay', 'finished', {timeout: 30_000});
  await viewer.waitForTimeout(500); // the last snapshot's image decodes
  const frame = viewer.locator('#player iframe');
  await expect(frame).toHaveCSS('width', `${WIDTH}px`);
  // The replayer's mouse pointer would be counted as a difference.
  await viewer.addStyleTag({content: '.replayer-mouse, .replayer-mouse-tail { display: none !important; }'});
  const box = (await frame.boundingBox())!;
  const shot = PNG.sync.read(await viewer.screenshot({clip: {x: box.x, y: box.y, width: WIDTH, height: HEIGHT}}));
  return {viewer, shot};
}

/** Paints a box white: the blocked element, which replays as an empty box by design. */
function blank(image: PNG, box: {x: number; y: number; width: number; height: number}): void {
  for (let y = Math.floor(box.y); y < Math.ceil(box.y + box.height); y++) {
    for (let x = Math.floor(box.x); x < Math.ceil(box.x + box.width); x++) image.data.fill(255, (y * WIDTH + x) * 4, (y * WIDTH + x) * 4 + 4);
  }
}

function differingShare(a: PNG, b: PNG): number {
  const diff = pixelmatch(a.data, b.data, null, WIDTH, HEIGHT, {threshold: 0.1});
  return diff / (WIDTH * HEIGHT);
}

test('with captureCanvas a 2D chart and a WebGL scene replay within 1 % of the live pixels, and a blocked canvas is never sent', async ({page, site, collector}) => {
  test.setTimeout(90_000);
  const paths = requestedPaths(page);
  const {sessionID, live, blocked} = await recordCanvasPage(page, site, collector, {captureCanvas: true});
  expect(paths).toContain('/tracker-canvas.js');
  const session = await waitForSession(collector, sessionID, (s) => canvasEvents(s).length >= 2);
  const {viewer, shot} = await replayScreenshot(page, collector, sessionID);
  // The blocked canvas is shown live and never replayed (checked below): left out of the comparison.
  expect(differingShare(live, shot)).toBeGreaterThan((blocked.width * blocked.height * 0.9) / (WIDTH * HEIGHT));
  blank(live, blocked);
  blank(shot, blocked);
  const share = differingShare(live, shot);
  writeFileSync(test.info().outputPath('live.png'), PNG.sync.write(live));
  writeFileSync(test.info().outputPath('replay.png'), PNG.sync.write(shot));
  expect(share, `differing pixels: ${(share * 100).toFixed(2)} %`).toBeLessThanOrEqual(0.01);

  // The blocked canvas: no snapshot of it (its node is a placeholder in replay).
  const ids = new Set(canvasEvents(session).map((event) => event.data.id));
  expect(ids.size).toBe(2);
  const secretInReplay = await viewer.frameLocator('#player iframe').locator('#secret').count();
  expect(secretInReplay).toBe(0);
  // Unchanged canvases are not sent again at every tick: each canvas once when
  // first seen (before the page drew) and once after it drew, over three ticks.
  for (const id of ids) expect(canvasEvents(session).filter((event) => event.data.id === id).length).toBeLessThanOrEqual(2);
});

test('without captureCanvas the replayed canvas is blank and nothing canvas-related is sent or loaded', async ({page, site, collector}) => {
  test.setTimeout(90_000);
  const paths = requestedPaths(page);
  const {sessionID, live} = await recordCanvasPage(page, site, collector, {});
  expect(paths).not.toContain('/tracker-canvas.js');
  const session = await waitForSession(collector, sessionID, (s) => s.pages[0]?.events?.some((event) => event.type === 2) ?? false);
  expect(canvasEvents(session)).toEqual([]);
  expect(JSON.stringify(session)).not.toContain('rr_dataURL');
  const {shot} = await replayScreenshot(page, collector, sessionID);
  // The canvases' area differs from the live page: they replay empty.
  expect(differingShare(live, shot)).toBeGreaterThan(0.1);
});

/** The rrweb node id of the element with `elementId` in the session's first full snapshot. */
function nodeIdOf(session: StoredSession, elementId: string): number | undefined {
  const find = (node: any): number | undefined =>
    node.attributes?.id === elementId ? node.id : (node.childNodes ?? []).map(find).find((id: number | undefined) => id !== undefined);
  const snapshot = session.pages.flatMap((p) => p.events ?? []).find((event) => event.type === 2);
  return snapshot && find(snapshot.data.node);
}

/** Waits until the session holds everything sent so far: a marker event sent last. */
async function settled(page: Page, collector: RunningCollector, sessionID: string) {
  const marker = `settled-${Date.now()}`;
  await page.evaluate((name) => (window as any).tracker.event(name), marker);
  return waitForSession(collector, sessionID, (s) => customEvents(s, 'tracker.event').some((e) => e.data.payload.name === marker));
}

/** Starts captureCanvas on a page of `body` and paints every canvas in it. */
async function paintCanvases(page: Page, site: Site, collector: RunningCollector, body: string, initOptions: object = {}) {
  site.file('/tracker-canvas.js', readFileSync('dist/tracker-canvas.js', 'utf8'), 'text/javascript');
  await page.setViewportSize({width: WIDTH, height: HEIGHT});
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200, captureCanvas: true, ...initOptions}, body}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(() => {
    for (const canvas of Array.from(document.querySelectorAll('canvas'))) {
      const context = canvas.getContext('2d')!;
      context.fillStyle = '#c0332b';
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
  });
  return sessionID as string;
}

test('a canvas inside a masked subtree is never captured', async ({page, site, collector}) => {
  const body = `
    <canvas id="open" width="100" height="50"></canvas>
    <div class="tracker-mask"><canvas id="masked" width="100" height="50"></canvas></div>
    <div class="private"><canvas id="configured" width="100" height="50"></canvas></div>`;
  const sessionID = await paintCanvases(page, site, collector, body, {maskTextSelector: '.private'});
  await page.waitForTimeout(1500); // three snapshot periods at 2 fps
  const session = await settled(page, collector, sessionID);
  const captured = new Set(canvasEvents(session).map((event) => event.data.id));
  expect(captured).toEqual(new Set([nodeIdOf(session, 'open')]));
  expect(nodeIdOf(session, 'masked')).toBeGreaterThan(0);
  expect(nodeIdOf(session, 'configured')).toBeGreaterThan(0);
});

test('an off-screen canvas is not captured until it is on screen', async ({page, site, collector}) => {
  const body = `<div style="height: 4000px">far above</div><canvas id="far" width="100" height="50"></canvas>`;
  const sessionID = await paintCanvases(page, site, collector, body);
  await page.waitForTimeout(1500);
  const before = await settled(page, collector, sessionID);
  const far = nodeIdOf(before, 'far');
  expect(far).toBeGreaterThan(0);
  expect(canvasEvents(before)).toEqual([]);
  await page.locator('#far').scrollIntoViewIfNeeded();
  const after = await waitForSession(collector, sessionID, (s) => canvasEvents(s).length > 0);
  expect(canvasEvents(after).map((event) => event.data.id)).toContain(far);
});

test('with sampleRate 0, captureCanvas leaves WebGL contexts as the page made them', async ({page, site, collector}) => {
  const paths = requestedPaths(page);
  await page.goto(trackedPage(site, collector, {initOptions: {captureCanvas: true, sampleRate: 0}, body: '<canvas id="scene"></canvas>'}));
  expect(await startTracker(page)).toMatchObject({success: false, reason: expect.stringMatching(/sampled out/)});
  const preserved = await page.evaluate(() => (document.getElementById('scene') as HTMLCanvasElement).getContext('webgl')!.getContextAttributes()!.preserveDrawingBuffer);
  expect(preserved).toBe(false);
  expect(paths).not.toContain('/tracker-canvas.js');
});
