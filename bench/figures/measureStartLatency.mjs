// Figure 6: how long starting takes, on the dashboard with the local collector.
// (a) start() until recording has begun (the tracker's
//     `tracker:recording-started` mark), the bundle already loaded: the
//     handshake plus rrweb's full snapshot; its baseline is raw rrweb starting
//     (the snapshot alone) on the same page, alternated.
// (b) from the snippet executing to the first batch stored (the collector's
//     answer to the first POST /v1/web/i), with `tracker.start()` pasted after
//     the snippet; its baseline is the page's own load event in the same
//     loads: below 1, the session is on the collector before the page has
//     finished loading.
// (c) start() against one handshake round trip on a page that leaves the main
//     thread free, in a Chromium with no DevTools client: the time from the
//     bundle's last byte to its first statement (a copy of the bundle with a
//     performance mark first, V8's compile hint kept above it), to the
//     handshake's fetch() call, to its request, and from the answer to
//     start()'s settling; and, as the browser's own part, a one-line script
//     loaded by the same snippet: its last byte to its first statement.
import {alternate} from '../lib/alternate.mjs';
import {loadInFreshPage} from '../lib/loadInFreshPage.mjs';
import {dashboardPage} from '../lib/dashboardPage.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';
import {probe, startReportServer} from '../lib/loadWithoutDevtools.mjs';

const timeStart = async (variant) => {
  if (variant === 'tracker') {
    // Until rrweb's snapshot is taken (the tracker marks it), not only until
    // the promise settles: the snapshot waits for the page's load and paint.
    const begin = performance.now();
    const result = await window.tracker.start();
    if (!result.success) throw new Error(`tracker.start() failed: ${result.reason}`);
    while (!performance.getEntriesByName('tracker:recording-started').length) await new Promise((resolve) => setTimeout(resolve, 1));
    return performance.getEntriesByName('tracker:recording-started')[0].startTime - begin;
  }
  const begin = performance.now();
  if (!window.benchRecorder.start()) throw new Error('rrweb did not start');
  return performance.now() - begin;
};

// Times on the page's clock, from the snippet's first line.
const readPageTimes = () => {
  const bundle = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/tracker.js'));
  const navigation = performance.getEntriesByType('navigation')[0];
  const handshake = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/v1/web/start'));
  const from = window.__benchSnippetAt;
  return {
    snippetAtEpoch: performance.timeOrigin + from,
    loadEvent: navigation && navigation.loadEventStart > 0 ? navigation.loadEventStart - from : null,
    bundleLoaded: bundle ? bundle.responseEnd - from : null,
    handshakeSent: handshake ? handshake.startTime - from : null,
    handshakeAnswered: handshake ? handshake.responseEnd - from : null,
    startSettled: window.__benchStartedAt ? window.__benchStartedAt - from : null,
  };
};

// The light page reads its times once start() has settled.
const readWhenStarted = `async () => {
  while (window.__benchStartedAt === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  return (${readPageTimes})();
}`;

// The light page's probe: when the handshake's fetch() is called, read with the page's times.
const noteHandshakeCall = () => {
  const pageFetch = window.fetch;
  window.fetch = function (input) {
    if (String(input).endsWith('/v1/web/start')) window.__benchHandshakeCalled ??= performance.now();
    return pageFetch.apply(this, arguments);
  };
};
const readSplit = `async () => {
  const times = await (${readWhenStarted})();
  const from = window.__benchSnippetAt;
  const first = performance.getEntriesByName('bench:bundle-first-statement')[0];
  return {...times, firstStatement: first ? first.startTime - from : null, handshakeCalled: window.__benchHandshakeCalled === undefined ? null : window.__benchHandshakeCalled - from};
}`;
const FIRST_STATEMENT = "performance.mark('bench:bundle-first-statement');";

/** The bundle with a mark as its first statement, below V8's compile hint if it has one. */
function markFirstStatement(bundle) {
  const hint = /^\/\/# allFunctionsCalledOnLoad\n/.exec(bundle)?.[0] ?? '';
  return `${hint}${FIRST_STATEMENT}\n${bundle.slice(hint.length)}`;
}

export async function measureStartLatency({browser, site, collector, options, bundleUrl, bundles, rawRecorderUrl, progress}) {
  const urls = {
    rrweb: site.put('/start-rrweb.html', dashboardPage({head: `<script src="${rawRecorderUrl}"></script>`})),
    tracker: site.put('/start-tracker.html', dashboardPage({head: snippetTag({bundleUrl, ingestPoint: collector.url})})),
    firstBatch: site.put(
      '/first-batch.html',
      dashboardPage({
        head:
          '<script>window.__benchSnippetAt = performance.now();</script>' +
          snippetTag({bundleUrl, ingestPoint: collector.url}) +
          '<script>tracker.start().then(function () { window.__benchStartedAt = performance.now(); });</script>',
      }),
    ),
  };

  const samples = await alternate({
    variants: ['rrweb', 'tracker'],
    reps: options.startReps,
    warmup: options.warmup,
    run: (variant) =>
      loadInFreshPage(browser, urls[variant], async (page) => {
        if (variant === 'tracker') await page.waitForFunction(() => window.tracker._live, null, {polling: 10});
        await page.waitForTimeout(200);
        return page.evaluate(timeStart, variant);
      }),
  });
  progress('start latency: start() done');

  const firstBatch = [];
  for (let rep = 0; rep < options.firstBatchReps; rep++) {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // The collector answers a batch once it is stored durably: the arrival of
      // that answer (the browser's network timing, epoch ms) is "stored".
      // Resource Timing does not do here: Chromium leaves some keepalive
      // fetches out of it.
      const stored = new Promise((resolve) => {
        page.on('response', (response) => {
          if (!response.url().includes('/v1/web/i') || !response.ok()) return;
          const timing = response.request().timing();
          resolve(timing.startTime + timing.responseStart);
        });
      });
      await page.goto(urls.firstBatch, {waitUntil: 'load'});
      let timer;
      const storedAt = await Promise.race([stored, new Promise((resolve) => (timer = setTimeout(() => resolve(null), 30_000)))]);
      clearTimeout(timer);
      if (storedAt === null) {
        const stats = await page.evaluate(() => window.tracker._stats && window.tracker._stats()).catch(() => null);
        throw new Error(`no batch stored within 30 s; tracker stats ${JSON.stringify(stats)}`);
      }
      const times = await page.evaluate(readPageTimes);
      firstBatch.push({
        firstBatchStored: storedAt - times.snippetAtEpoch,
        bundleLoaded: times.bundleLoaded,
        handshakeSent: times.handshakeSent,
        handshakeAnswered: times.handshakeAnswered,
        startSettled: times.startSettled,
        loadEvent: times.loadEvent,
      });
    } finally {
      await context.close();
    }
  }
  progress('start latency: first batch done');

  const reports = await startReportServer();
  const light = [];
  const floor = [];
  try {
    // The same start on a page that leaves the main thread free: what start()
    // itself takes, in a Chromium with no DevTools protocol client attached
    // (one makes fetch() slower: lib/loadWithoutDevtools.mjs).
    const lightPage = (path, scriptUrl) =>
      site.put(
        path,
        '<!doctype html><html><head>' +
          probe({reportUrl: reports.url, setup: [noteHandshakeCall], read: readSplit, untilMs: 0}) +
          '<script>window.__benchSnippetAt = performance.now();</script>' +
          snippetTag({bundleUrl: scriptUrl, ingestPoint: collector.url}) +
          '<script>tracker.start().then(function () { window.__benchStartedAt = performance.now(); });</script></head><body><p>A page with little on it.</p></body></html>',
      );
    const lightUrl = lightPage('/start-light.html', site.put('/marked/tracker.js', markFirstStatement(bundles.tracker.toString('utf8'))));
    // Loaded by the same snippet; it settles the page's wait itself (the stub's start() never settles without the bundle).
    const floorUrl = lightPage('/start-floor.html', site.put('/floor/tracker.js', `${FIRST_STATEMENT}window.__benchStartedAt = performance.now();\n`));
    for (let rep = 0; rep < options.firstBatchReps; rep++) {
      const report = await reports.load(lightUrl, 20_000);
      if (report) light.push(report);
      const floorReport = await reports.load(floorUrl, 20_000);
      if (floorReport) floor.push(floorReport);
    }
  } finally {
    await reports.stop();
  }

  const pick = (key) => median(firstBatch.map((sample) => sample[key]));
  const stored = pick('firstBatchStored');
  // start() resolves once the handshake is answered: from the bundle's
  // arrival, one round trip plus what runs on the main thread before and
  // after it (the bundle's own run, and whatever of the page's holds it).
  const startRow = (where, samples, goal) => {
    const timed = samples.filter((sample) => [sample.bundleLoaded, sample.handshakeSent, sample.handshakeAnswered, sample.startSettled].every((time) => time !== null));
    const per = (time) => median(timed.map(time));
    return {
      metric: `start() settled after the bundle arrived, past one handshake round trip, ${where}`,
      unit: 'ms',
      baseline: null,
      value: per((sample) => sample.startSettled - sample.bundleLoaded - (sample.handshakeAnswered - sample.handshakeSent)),
      ...(goal && {goal}),
      note: timed.length
        ? `${timed.length} loads: the handshake sent ${per((sample) => sample.handshakeSent - sample.bundleLoaded)?.toFixed(1)} ms after the bundle arrived, answered in ${per((sample) => sample.handshakeAnswered - sample.handshakeSent)?.toFixed(1)} ms, start() settled ${per((sample) => sample.startSettled - sample.handshakeAnswered)?.toFixed(1)} ms after the answer (medians)`
        : 'not measured: the handshake was not in Resource Timing',
    };
  };
  const rows = [
    {
      metric: 'start() until recording, bundle loaded (ours) vs rrweb record() alone',
      unit: 'ms',
      baseline: median(samples.rrweb),
      value: median(samples.tracker),
      ratio: ratio(median(samples.tracker), median(samples.rrweb)),
    },
    {
      metric: "snippet run until first batch stored, vs the page's load event",
      unit: 'ms',
      baseline: pick('loadEvent'),
      value: stored,
      ratio: ratio(stored, pick('loadEvent')),
      note: `bundle loaded at ${pick('bundleLoaded')?.toFixed(0)} ms, start() settled at ${pick('startSettled')?.toFixed(0)} ms`,
    },
    startRow('on a page that leaves the main thread free', light, {valueMax: 5}),
    splitRow(light, floor),
    // Here the page's own parse and layout hold the main thread: the bundle waits to run, and start()'s answer waits to be taken.
    startRow('on the dashboard (the page holds the main thread)', firstBatch),
  ];
  return {rows, details: {reps: options.startReps, startMs: samples, firstBatchReps: options.firstBatchReps, firstBatch, light, floor}};
}

// Where the time before the handshake goes on the light page, against the
// browser's own part: a one-line script's first statement after its last byte.
function splitRow(light, floor) {
  const per = (samples, time) => median(samples.map(time).filter((value) => Number.isFinite(value)));
  const browserPart = per(floor, (sample) => sample.firstStatement - sample.bundleLoaded);
  const fmt = (value) => (value === null || value === undefined ? '—' : value.toFixed(1));
  return {
    metric: "the bundle's first statement after its last byte, on the light page, vs a one-line script's (the browser's part)",
    unit: 'ms',
    baseline: browserPart,
    value: per(light, (sample) => sample.firstStatement - sample.bundleLoaded),
    note:
      `${floor.length} and ${light.length} loads, medians: then the handshake's fetch() called ${fmt(per(light, (sample) => sample.handshakeCalled - sample.firstStatement))} ms after the bundle's first statement, ` +
      `its request started ${fmt(per(light, (sample) => sample.handshakeSent - sample.handshakeCalled))} ms after the call`,
  };
}
