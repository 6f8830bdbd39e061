// Subresource Integrity (dist/snippet-sri.html): the browser runs the bundle
// only if its bytes match the sha384 the snippet was filled with.
import {test, expect, startTracker} from './fixtures';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import type {Page} from '@playwright/test';
import {htmlPage} from './helpers/site';
import {fillSnippet} from '../loader/fillSnippet.mjs';

const bundle = JSON.parse(readFileSync('dist/bundle.json', 'utf8')) as {file: string; integrity: string};
const sha384 = (bytes: Buffer | string) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

function sriSnippet(bundleUrl: string, ingestPoint: string, integrity: string): string {
  const template = readFileSync('dist/snippet-sri.html', 'utf8');
  return fillSnippet(template, {bundleUrl, projectKey: 'demo', ingestPoint, integrity});
}

const injectedScript = (page: Page) =>
  page.evaluate(() => {
    const script = [...document.scripts].find((s) => s.src.includes('tracker'))!;
    return {integrity: script.integrity, crossOrigin: script.crossOrigin};
  });

test('the snippet with integrity loads the versioned bundle it was filled for', async ({page, site, collector}) => {
  site.file(`/${bundle.file}`, readFileSync(`dist/${bundle.file}`, 'utf8'), 'text/javascript');
  const tag = sriSnippet(`${site.origin}/${bundle.file}`, collector.url, bundle.integrity);
  await page.goto(site.page('/', htmlPage(tag)));
  const result = await startTracker(page);
  expect(result).toMatchObject({success: true});
  expect(await injectedScript(page)).toEqual({integrity: bundle.integrity, crossOrigin: 'anonymous'});
  expect(bundle.integrity).toBe(sha384(readFileSync(`dist/${bundle.file}`)));
});

test('the snippet with integrity loads the bundle from another origin that allows CORS', async ({page, site, otherSite, collector}) => {
  // otherSite serves dist/tracker.js with Access-Control-Allow-Origin: *, like a CDN.
  const tag = sriSnippet(`${otherSite.origin}/tracker.js`, collector.url, sha384(readFileSync('dist/tracker.js')));
  await page.goto(site.page('/', htmlPage(tag)));
  expect(await startTracker(page)).toMatchObject({success: true});
  expect(otherSite.bundleRequests).toBe(1);
});

test('a tampered bundle is refused, and every pending start() fails naming the bundle URL', async ({page, site, otherSite, collector}) => {
  const bundleUrl = `${otherSite.origin}/tracker.js`;
  const original = readFileSync('dist/tracker.js', 'utf8');
  // What a compromised CDN would serve: the same bundle plus one statement.
  await page.route(bundleUrl, (route) =>
    route.fulfill({
      status: 200,
      headers: {'Content-Type': 'text/javascript', 'Access-Control-Allow-Origin': '*'},
      body: `${original};window.tamperedBundleRan=true;`,
    }),
  );
  const tag = sriSnippet(bundleUrl, collector.url, sha384(original));
  // Calls made before the verdict, as a page would make them while loading.
  const body = `<script>
    window.callbacks = [];
    window.pending = Promise.all([
      tracker.start({startCallback: function (r) { callbacks.push(r); }}),
      tracker.start({userID: 'ada', startCallback: function (r) { callbacks.push(r); }}),
      tracker.stop(),
    ]);
  </script>`;
  await page.goto(site.page('/', htmlPage(tag, body)));
  const outcome = await page.evaluate(async () => {
    const w = window as any;
    const results = await w.pending;
    return {results, callbacks: w.callbacks, ran: w.tamperedBundleRan ?? false, live: !!w.tracker._live};
  });
  expect(outcome.ran).toBe(false);
  expect(outcome.live).toBe(false);
  const failure = {success: false, reason: expect.stringContaining(`bundle not loaded from ${bundleUrl}`)};
  expect(outcome.results[0]).toEqual(failure);
  expect(outcome.results[0].reason).toContain('integrity');
  expect(outcome.results[1]).toEqual(outcome.results[0]);
  expect(outcome.callbacks).toEqual([outcome.results[0], outcome.results[0]]);
  // And later calls fail at once, with the same reason.
  expect(await startTracker(page)).toEqual(outcome.results[0]);
});
