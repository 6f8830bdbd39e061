// What moves a page's first paint when the snippet is in <head> (issue #31,
// bench/NOTES.md, figure 2, "First paint and the bundle's arrival"):
//
//   node bench/firstPaintProbe.mjs [--page many|dashboard] [--reps 10]
//
// (after `node build.mjs`). The snippet loads a script and never calls
// start(), so nothing of the tracker's runs; only what is loaded changes:
// - none: no snippet;
// - bundle: dist/tracker.js;
// - no hint: dist/tracker.js without V8's compile hint;
// - comment: a script of the bundle's length that is only a comment;
// - one line: a script of one statement.
// Each load is a Chromium of its own with no DevTools protocol client
// (lib/loadWithoutDevtools.mjs), the variants alternated. Prints, per
// variant, the medians of first contentful paint, largest contentful paint,
// the script's responseEnd and domInteractive, and every load's FCP.
import {readFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {alternate} from './lib/alternate.mjs';
import {dashboardAssets, dashboardPage} from './lib/dashboardPage.mjs';
import {probe, startReportServer} from './lib/loadWithoutDevtools.mjs';
import {manyElementsPage} from './lib/manyElementsPage.mjs';
import {median} from './lib/median.mjs';
import {snippetTag} from './lib/snippetTag.mjs';
import {startSite} from './lib/startSite.mjs';

const {values} = parseArgs({options: {page: {type: 'string', default: 'many'}, reps: {type: 'string', default: '10'}}});
const pages = {many: manyElementsPage, dashboard: dashboardPage};
const html = pages[values.page];
if (!html) throw new Error(`--page: one of ${Object.keys(pages).join(', ')}`);

// Read in the page once it has loaded; LCP entries only reach observers.
const read = `async () => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const lcp = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 1000);
    new PerformanceObserver((list) => {
      clearTimeout(timer);
      resolve(list.getEntries().at(-1).startTime);
    }).observe({type: 'largest-contentful-paint', buffered: true});
  });
  const script = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/loaded.js'));
  const navigation = performance.getEntriesByType('navigation')[0];
  return {fcp: paint ? paint.startTime : null, lcp, scriptEnd: script ? script.responseEnd : null, domInteractive: navigation.domInteractive};
}`;

const site = await startSite();
const reports = await startReportServer();
try {
  if (values.page === 'dashboard') for (const [path, body] of dashboardAssets()) site.put(path, body);
  const bundle = readFileSync('dist/tracker.js', 'utf8');
  const scripts = {
    bundle,
    'no hint': bundle.replace(/^\/\/# allFunctionsCalledOnLoad\n/, ''),
    comment: `/*${'x'.repeat(bundle.length - 4)}*/`,
    'one line': 'void 0;',
  };
  const measure = probe({reportUrl: reports.url, setup: [], read, untilMs: 3000});
  const urls = {none: site.put('/none.html', html({head: measure}))};
  for (const [name, code] of Object.entries(scripts)) {
    const bundleUrl = site.put(`/${encodeURIComponent(name)}/loaded.js`, code);
    // Nothing is sent: the snippet without start() only loads the script.
    urls[name] = site.put(`/${encodeURIComponent(name)}.html`, html({head: measure + snippetTag({bundleUrl, ingestPoint: 'http://127.0.0.1:9'})}));
  }
  const samples = await alternate({
    variants: Object.keys(urls),
    reps: Number(values.reps),
    warmup: 1,
    onRound: (round) => process.stderr.write(`round ${round + 1} of ${values.reps}\n`),
    run: async (variant) => (await reports.load(urls[variant], 20_000)) ?? {},
  });
  for (const [variant, loads] of Object.entries(samples)) {
    const of = (key) => loads.map((load) => load[key]).filter(Number.isFinite);
    const ms = (key) => median(of(key))?.toFixed(0) ?? '—';
    console.log(
      `${variant.padEnd(9)} FCP ${ms('fcp')} · LCP ${ms('lcp')} · script loaded ${ms('scriptEnd')} · domInteractive ${ms('domInteractive')} ms · FCP per load ${of('fcp').join(', ')}`,
    );
  }
} finally {
  await reports.stop();
  await site.stop();
}
