// The first full snapshot is taken in slices that yield to the page
// (bundle/slicedSnapshot.ts), and stays exact:
// - the same result as rrweb's own synchronous snapshot, node for node;
// - a stylesheet of many rules made text a few rules per slice, to the same
//   text, and CSSOM edits made meanwhile replayed as the page has them;
// - every element of a 20,000-element page in the stored snapshot;
// - a page that adds, removes and restyles nodes every frame while the
//   snapshot is taken replays as it looked, pixel for pixel.
// That no task of the tracker's blocks the page is e2e/mainThread.spec.ts.
import {writeFileSync} from 'node:fs';
import {build} from 'esbuild';
import pixelmatch from 'pixelmatch';
// @ts-expect-error: pngjs ships without types
import {PNG} from 'pngjs';
import {test, expect, trackedPage, startTracker, waitForSession, waitForRecording, customEvents} from './fixtures';
import type {StoredSession} from './helpers/collector';
import {buildBrowserBundle} from '../scripts/browserBundle.mjs';
import {manyElementsPage} from '../bench/lib/manyElementsPage.mjs';

test.skip(({browserName}) => browserName !== 'chromium', 'the engines run their own scenarios');

type Event = {type: number; timestamp: number; data?: any};
type SnapshotNode = {type: number; tagName?: string; childNodes?: SnapshotNode[]};

const events = (session: StoredSession): Event[] => session.pages.flatMap((page) => page.events ?? []);
const fullSnapshot = (session: StoredSession) => events(session).find((event) => event.type === 2);

// The tracker's recorder alone, with rrweb's synchronous snapshot and sliced.
const buildProbes = async () => ({
  sync: (await buildBrowserBundle({entry: 'e2e/helpers/snapshotProbe.ts', name: 'sync.js', sliceSnapshot: false})).code,
  sliced: (await buildBrowserBundle({entry: 'e2e/helpers/snapshotProbe.ts', name: 'sliced.js'})).code,
});

function countElements(node: SnapshotNode): number {
  return (node.type === 2 ? 1 : 0) + (node.childNodes ?? []).reduce((sum, child) => sum + countElements(child), 0);
}

test('the sliced snapshot is rrweb\'s synchronous snapshot, node for node', async ({page, site}) => {
  const probes = await buildProbes();
  const rows = Array.from({length: 400}, (_, i) => `<tr class="r${i % 7}"><td>${i}</td><td><a href="/orders/${i}?token=s3cret${i}">order ${i}</a></td><td><input value="v${i}"></td></tr>`).join('');
  const body = `<!-- a comment -->
<h1 class="title">Orders</h1>
<p>Write to ada@example.com, card 4111 1111 1111 1111.</p>
<img src="/logo.png?sig=abc" srcset="/a.png 1x, /b.png?token=t 2x" alt="Logo">
<form><input name="q" value="typed"><input type="password" value="hunter2"><textarea>area text</textarea>
<select><option>one</option><option selected>two</option></select><input type="checkbox" checked></form>
<svg width="20" height="20"><circle cx="10" cy="10" r="5"/></svg>
<div class="tracker-block"><span>blocked</span></div>
<div id="host"></div>
<pre>  kept   whitespace  </pre>
<div style="background:url(/bg.png?token=abc)">styled</div>
<table>${rows}</table>
<script>
  document.getElementById('host').attachShadow({mode: 'open'}).innerHTML = '<b>shadow</b> <i>text</i>';
  document.styleSheets[0].insertRule('.added { color: blue }');
</script>`;
  const head = `<style>.title { color: red } .r1::before { content: "x" } @media (max-width: 600px) { .r2 { display: none } }</style>\n  <style>p { margin: 0 }</style>`;
  const snapshots: Record<string, {immediate: boolean; json: string}> = {};
  for (const variant of ['sync', 'sliced'] as const) {
    site.file(`/${variant}.js`, probes[variant], 'text/javascript');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>format</title>\n  ${head}\n</head><body>${body}<script src="/${variant}.js"></script></body></html>`;
    await page.goto(site.page(`/${variant}.html`, html));
    const immediate: boolean = await page.evaluate(() => (window as any).probe.start());
    await page.waitForFunction(() => (window as any).probe.snapshot() !== null);
    snapshots[variant] = {immediate, json: await page.evaluate(() => (window as any).probe.snapshot())};
  }
  // rrweb's own snapshot is taken inside record(); the sliced one comes later.
  expect(snapshots.sync.immediate).toBe(true);
  expect(snapshots.sliced.immediate).toBe(false);
  const sync = JSON.parse(snapshots.sync.json);
  const sliced = JSON.parse(snapshots.sliced.json);
  // Same ids, same nodes, same redaction; only the times differ.
  expect(sliced.data.node).toEqual(sync.data.node);
  expect(countElements(sliced.data.node)).toBeGreaterThan(1600);
  expect(snapshots.sliced.json).not.toContain('s3cret');
});

// A stylesheet of `count` rules; `special` adds the rules rrweb stringifies
// its own way: url()s made absolute, a colon in an attribute selector, @media.
const manyRules = (count: number, prefix: string, special = true) =>
  Array.from({length: count}, (_, i) => {
    if (i % 50 === 0) return `@media (min-width: ${i}px) { .${prefix}m${i} { color: red } }`;
    if (special && i % 7 === 0) return `.${prefix}${i} { background: url(img/${i}.png) }`;
    if (special && i % 11 === 0) return `[data-x="a:b${i}"] { color: blue }`;
    return `.${prefix}${i} > span { margin: ${i % 9}px }`;
  }).join('\n');

// Counts the rules made text (CSSRule's cssText read) in each task the page
// posts with scheduler.postTask: each is one slice of the snapshot.
const countRuleReadsPerSlice = () => {
  const reads: number[] = [0];
  (window as any).__ruleReads = reads;
  const scheduler = (window as any).scheduler;
  const postTask = scheduler.postTask.bind(scheduler);
  scheduler.postTask = (task: () => void, options?: object) =>
    postTask(() => {
      reads.push(0);
      return task();
    }, options);
  const cssText = Object.getOwnPropertyDescriptor(CSSRule.prototype, 'cssText')!;
  Object.defineProperty(CSSRule.prototype, 'cssText', {
    ...cssText,
    get() {
      reads[reads.length - 1]++;
      return cssText.get!.call(this);
    },
  });
};

test('a stylesheet of many rules is made text a few rules per slice, the same text rrweb makes at once', async ({page, site}) => {
  const probes = await buildProbes();
  site.file('/many.css', manyRules(5_000, 'l'), 'text/css');
  const head = `<style>${manyRules(20_000, 's')}</style>\n  <link rel="stylesheet" href="/many.css">\n  <style>.few { color: red }</style>`;
  const snapshots: Record<string, string> = {};
  for (const variant of ['sync', 'sliced'] as const) {
    if (variant === 'sliced') await page.addInitScript(countRuleReadsPerSlice);
    site.file(`/${variant}.js`, probes[variant], 'text/javascript');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rules</title>\n  ${head}\n</head><body><p class="few">text</p><script src="/${variant}.js"></script></body></html>`;
    await page.goto(site.page(`/${variant}-rules.html`, html));
    await page.evaluate(() => (window as any).probe.start());
    await page.waitForFunction(() => (window as any).probe.snapshot() !== null);
    snapshots[variant] = await page.evaluate(() => (window as any).probe.snapshot());
  }
  expect(JSON.parse(snapshots.sliced).data.node).toEqual(JSON.parse(snapshots.sync).data.node);
  expect(snapshots.sliced.includes('.s19997 > span') && snapshots.sliced.includes('.l4999 > span')).toBe(true);
  // Every rule was read, and no slice read more than a quarter of them.
  const reads: number[] = await page.evaluate(() => (window as any).__ruleReads);
  const total = reads.reduce((sum, count) => sum + count, 0);
  expect(total).toBeGreaterThanOrEqual(25_001);
  expect(Math.max(...reads)).toBeLessThan(total / 4);
});

test('CSSOM edits while a stylesheet of many rules is made text replay as the page has them', async ({page, site}) => {
  const {sliced} = await buildProbes();
  site.file('/sliced.js', sliced, 'text/javascript');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>edits</title>\n  <style id="many">${manyRules(20_000, 's', false)}</style>\n</head><body><p>text</p><script src="/sliced.js"></script></body></html>`;
  await page.goto(site.page('/edits.html', html));
  // Edits in every task between slices, before the sheet is reached, while it
  // is made text and after: a rule inserted, one deleted, one restyled.
  const live = await page.evaluate(async () => {
    const probe = (window as any).probe;
    const sheet = (document.getElementById('many') as HTMLStyleElement).sheet!;
    const rule = (i: number) => sheet.cssRules[i % sheet.cssRules.length] as CSSStyleRule;
    let n = 0;
    let duringSnapshot = 0;
    let editing = true;
    const edit = () => {
      if (!editing) return;
      n++;
      sheet.insertRule(`.e${n} { order: ${n} }`, (n * 7919) % sheet.cssRules.length);
      sheet.deleteRule((n * 104729) % sheet.cssRules.length);
      rule(n * 31).style?.setProperty('z-index', String(n));
      if (probe.snapshot() === null) duringSnapshot++;
      setTimeout(edit, 0);
    };
    probe.start();
    edit();
    await new Promise<void>((resolve) => {
      const wait = () => (probe.snapshot() !== null ? resolve() : setTimeout(wait, 5));
      wait();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    editing = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    return {duringSnapshot, events: probe.stop() as string[], rules: Array.from(sheet.cssRules, (r) => r.cssText)};
  });
  expect(live.duringSnapshot).toBeGreaterThanOrEqual(3);
  const stored = live.events.map((json) => JSON.parse(json)).sort((a, b) => a.timestamp - b.timestamp);
  const replayer = await build({entryPoints: ['e2e/helpers/replayProbe.ts'], bundle: true, write: false, format: 'iife', logLevel: 'warning'});
  site.file('/replay.js', replayer.outputFiles[0].text, 'text/javascript');
  await page.goto(site.page('/replay-rules.html', '<!doctype html><html><head></head><body><script src="/replay.js"></script></body></html>'));
  const replayed: string[] = await page.evaluate(([events, at]) => {
    (window as any).showReplay(events, at);
    const doc = document.querySelector('iframe')!.contentDocument!;
    return Array.from((doc.getElementById('many') as HTMLStyleElement).sheet!.cssRules, (r) => r.cssText);
  }, [stored, stored[stored.length - 1].timestamp + 1] as const);
  expect(replayed.length).toBe(live.rules.length);
  expect(replayed).toEqual(live.rules);
});

test('the first snapshot of a 20,000-element page holds every element, and no iframe is added to take it', async ({page, site, collector}) => {
  const html = manyElementsPage();
  const head = html.match(/<style>[\s\S]*<\/style>/)![0];
  const body = html.match(/<body>([\s\S]*)<\/body>/)![1];
  // rrweb adds a hidden iframe to the page when it doubts the DOM's functions are the browser's own.
  await page.addInitScript(() => {
    (window as any).iframesAdded = 0;
    new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) if (node.nodeName === 'IFRAME') (window as any).iframesAdded++;
    }).observe(document, {childList: true, subtree: true});
  });
  await page.goto(trackedPage(site, collector, {head, body, initOptions: {flushIntervalMs: 500}}));
  const {sessionID} = await startTracker(page);
  await waitForRecording(page);
  expect(await page.evaluate(() => (window as any).iframesAdded)).toBe(0);
  // Script elements are left out of recordings by design.
  const live = await page.evaluate(() => document.querySelectorAll('*').length - document.querySelectorAll('script').length);
  expect(live).toBeGreaterThan(20_000);
  const session = await waitForSession(collector, sessionID, (s) => fullSnapshot(s) !== undefined);
  expect(countElements(fullSnapshot(session)!.data.node)).toBe(live);
});

// A grid of 2,000 tiles; every frame restyles 20 of them and the 5 added the
// frame before, removes 5, adds 5 and changes a text, from a fixed seed,
// anywhere in the grid: in parts the snapshot has walked and in parts it has
// not. At three moments after the
// snapshot it holds still until the test calls resume().
const MUTATING_PAGE = `<style>body { margin: 0; font: 10px/18px sans-serif } #grid { display: flex; flex-wrap: wrap; width: 800px }
.t { width: 38px; height: 18px; margin: 1px; overflow: hidden; text-align: center }</style>
<div id="grid">${Array.from({length: 2000}, (_, i) => `<div class="t" style="background: hsl(${(i * 37) % 360}, 60%, 75%)">${i}</div>`).join('')}</div>
<script>
  let seed = 7;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const grid = document.getElementById('grid');
  const tiles = grid.children;
  const pick = () => tiles[Math.floor(random() * tiles.length)];
  const color = () => 'hsl(' + Math.floor(random() * 360) + ', 60%, 75%)';
  let next = 2000;
  let added = [];
  let afterSnapshot = 0;
  window.frames = 0;
  window.moment = 0;
  window.paused = false;
  window.resume = () => (window.paused = false);
  function frame() {
    if (!window.paused) {
      for (let i = 0; i < 20; i++) pick().style.background = color();
      for (const tile of added) tile.style.background = color();
      for (let i = 0; i < 5; i++) pick().remove();
      added = [];
      for (let i = 0; i < 5; i++) {
        const tile = document.createElement('div');
        tile.className = 't';
        tile.style.background = color();
        tile.textContent = String(next++);
        grid.insertBefore(tile, pick());
        added.push(tile);
      }
      pick().textContent = 'f' + window.frames++;
      if (performance.getEntriesByName('tracker:recording-started').length) afterSnapshot++;
      if (afterSnapshot === 2 || afterSnapshot === 8 || afterSnapshot === 16) {
        window.paused = true;
        window.tracker.event('moment', {n: ++window.moment});
      }
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
</script>`;

// Which of the page's frames the snapshot's slices were scheduled in.
const countSliceFrames = () => {
  const frames = new Set<number>();
  (window as any).__sliceFrames = frames;
  const scheduler = (window as any).scheduler;
  const postTask = scheduler.postTask.bind(scheduler);
  scheduler.postTask = (task: () => void, options?: object) => {
    frames.add((window as any).frames);
    return postTask(task, options);
  };
};

test('a page that adds, removes and restyles nodes every frame during the snapshot replays as it looked, at three moments', async ({page, site, collector}) => {
  test.setTimeout(90_000);
  const VIEWPORT = {width: 800, height: 600};
  await page.setViewportSize(VIEWPORT);
  await page.addInitScript(countSliceFrames);
  await page.goto(trackedPage(site, collector, {body: MUTATING_PAGE, initOptions: {flushIntervalMs: 500}}));
  const {sessionID} = await startTracker(page);
  const live: {data: Buffer}[] = [];
  for (let n = 1; n <= 3; n++) {
    await page.waitForFunction((n) => (window as any).moment === n, n, {timeout: 30_000});
    live.push(PNG.sync.read(await page.screenshot()));
    // Held still for a second from the moment on: the replay is looked at 300 ms in.
    await page.waitForTimeout(1000);
    await page.evaluate(() => (window as any).resume());
  }
  // The snapshot was taken while the page changed: its slices spanned frames.
  const sliceFrames: number = await page.evaluate(() => (window as any).__sliceFrames.size);
  expect(sliceFrames).toBeGreaterThanOrEqual(3);
  await page.evaluate(() => (window as any).tracker.stop());

  const moments = (s: StoredSession) => customEvents(s, 'tracker.event').filter((event) => event.data.payload.name === 'moment');
  const session = await waitForSession(collector, sessionID, (s) => moments(s).length === 3);
  const stored = events(session).sort((a, b) => a.timestamp - b.timestamp);
  // rrweb's replayer as it comes from npm (no minifier: the test has no use for one).
  const replayer = await build({entryPoints: ['e2e/helpers/replayProbe.ts'], bundle: true, write: false, format: 'iife', logLevel: 'warning'});
  site.file('/replay.js', replayer.outputFiles[0].text, 'text/javascript');
  const replayUrl = site.page('/replay.html', '<!doctype html><html><head><style>body { margin: 0 } iframe { border: 0 } .replayer-mouse { display: none }</style></head><body><script src="/replay.js"></script></body></html>');
  const viewer = await page.context().newPage();
  await viewer.setViewportSize({width: 1000, height: 800});
  for (const [i, {timestamp: at}] of moments(session).entries()) {
    await viewer.goto(replayUrl);
    await viewer.evaluate(([events, at]) => (window as any).showReplay(events, at), [stored, at + 300] as const);
    await viewer.waitForTimeout(300);
    const replay = PNG.sync.read(await viewer.locator('iframe').screenshot());
    expect([replay.width, replay.height]).toEqual([VIEWPORT.width, VIEWPORT.height]);
    writeFileSync(test.info().outputPath(`live-${i + 1}.png`), PNG.sync.write(live[i]));
    writeFileSync(test.info().outputPath(`replay-${i + 1}.png`), PNG.sync.write(replay));
    const differing = pixelmatch(live[i].data, replay.data, null, VIEWPORT.width, VIEWPORT.height, {threshold: 0.1});
    expect(differing / (VIEWPORT.width * VIEWPORT.height), `moment ${i + 1}`).toBeLessThanOrEqual(0.01);
  }
});
