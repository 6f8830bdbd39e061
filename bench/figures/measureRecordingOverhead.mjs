// Figure 3: what recording costs while the page changes its DOM, on the six
// workloads of rrweb's benchmark suite. Three variants, alternated: no
// recording; raw rrweb (bundle/recorder.ts alone, events discarded); our full
// tracker delivering to the local collector, its bundle served from the page's
// origin as the bench serves it, with dist/tracker-worker.js beside it (gzip and
// the requests in the delivery worker). A fourth variant serves the bundle from
// another origin, as a CDN does: no worker there, everything on the main thread.
// Recording is started and its full snapshot taken (and for the tracker, sent),
// then every variant waits the same SETTLE_MS before the clock starts: how long
// the page has been alive changes what rrweb's first big callback costs (JIT
// and heap state), so the tracker's longer start must not favour it.
// Each run is a fresh context and page.
//
// Two figures per workload:
// - the narrow one: the workload plus rrweb's MutationObserver callback, which
//   runs as a microtask right after it (a zero timeout resolves after it);
// - the whole bill: the main thread's total task time (CDP Performance.getMetrics
//   TaskDuration, as CPU time: another process on the shared machine does not
//   inflate it) over one window, the same for every variant, from the
//   workload's start until WINDOW_MS later. The window holds the tracker's
//   delivery of what it recorded (its batch is cut by the flush timer, 5 s
//   after the first event, then the events' JSON joined, compression, the
//   request):
//   a longer window for the tracker alone would bill it for the page's idle
//   work (garbage collection, timers) that the other variants do too, later.
//   Nothing polls the page meanwhile: the window is one timer in the page, and
//   the delivery is seen from outside (the request's response, then _stats()).
//
// Then the breakdown, once per workload: raw rrweb keeps the workload's events
// (bench/pages/deliverySteps.ts) and each step the tracker takes with them runs
// alone, with the tracker's own modules, its main-thread time measured
// (taskTimeOf): batching (each event's JSON made as it is added), joining
// them into the batch's body, gzip and the request on the main
// thread (what a bundle from another origin does), or both in the delivery
// worker (the page's share: the messages). Recording is raw rrweb less no
// recording; what the steps leave unexplained is garbage collection and timers.
import {readFileSync} from 'node:fs';
import {alternate} from '../lib/alternate.mjs';
import {metricsProbe, taskTimeOf} from '../lib/measureTaskTime.mjs';
import {buildBrowserBundle} from '../../scripts/browserBundle.mjs';
import {loadInFreshPage} from '../lib/loadInFreshPage.mjs';
import {median} from '../lib/median.mjs';
import {mutationPage, mutationScenarios} from '../lib/mutationScenarios.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';
import {startSite} from '../lib/startSite.mjs';

const VARIANTS = ['none', 'rrweb', 'tracker', 'crossOrigin'];
const SETTLE_MS = 1000;
// The tracker's default flush interval (createTracker.ts) plus room for the
// delivery after it; a smoke run flushes at 200 ms.
const FLUSH_INTERVAL_MS = 5000;
const windowMs = (smoke) => (smoke ? 1500 : FLUSH_INTERVAL_MS + 2000);

// Also used by figure 11 (measureLive.mjs), which measures the same way.
export const startVariant = async ({variant, settleMs}) => {
  if (variant === 'rrweb') {
    if (!window.benchRecorder.start()) throw new Error('rrweb did not start');
  } else if (variant !== 'none') {
    // The bundle is loaded by the snippet with an async script.
    while (!window.tracker._live) await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await window.tracker.start();
    if (!result.success) throw new Error(`tracker.start() failed: ${result.reason}`);
    // The snapshot follows the page's load and paint: measure with rrweb recording,
    // once the snapshot's batch is delivered.
    while (!performance.getEntriesByName('tracker:recording-started').length) await new Promise((resolve) => setTimeout(resolve, 5));
    while (!window.tracker._stats().sentBatches || window.tracker._stats().bufferedBytes) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Let the start settle (snapshot, first timers) before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
};

// In the page: the workload, then one timer to the end of the window.
export const runWorkload = async (window_) => {
  const start = performance.now();
  window.workload();
  const mutated = performance.now();
  // MutationObserver callbacks are microtasks queued by the workload: they have
  // all run when a timeout set now fires.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const observed = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const framed = performance.now();
  await new Promise((resolve) => setTimeout(resolve, start + window_ - performance.now()));
  return {workload: mutated - start, observed: observed - start, frame: framed - start, window: performance.now() - start};
};

export async function measureRecordingOverhead({browser, site, collector, options, bundles, bundleUrl, rawRecorderUrl, progress}) {
  const worker = readFileSync('dist/tracker-worker.js');
  site.put(new URL('tracker-worker.js', bundleUrl).pathname, worker);
  // A CDN: another origin, with the worker file beside the bundle all the same.
  const cdn = await startSite();
  const cdnBundleUrl = cdn.put('/tracker.js', bundles.tracker);
  cdn.put('/tracker-worker.js', worker);
  // Smoke runs only check the harness: no need to wait out the 5 s flush timer.
  const trackerOptions = options.smoke ? {flushIntervalMs: 200} : {};
  const {code: stepsScript} = await buildBrowserBundle({entry: 'bench/pages/deliverySteps.ts', name: 'deliverySteps.js'});
  const stepsUrl = site.put('/delivery-steps.js', stepsScript);
  const heads = {
    steps: `<script src="${stepsUrl}"></script>`,
    none: '',
    rrweb: `<script src="${rawRecorderUrl}"></script>`,
    tracker: snippetTag({bundleUrl, ingestPoint: collector.url, options: trackerOptions}),
    crossOrigin: snippetTag({bundleUrl: cdnBundleUrl, ingestPoint: collector.url, options: trackerOptions}),
  };
  try {
    return await measure({browser, site, collector, options, heads, bundleUrl, progress});
  } finally {
    await cdn.stop();
  }
}

const STEPS = ['batching', 'serialization', 'compression', 'send', 'inWorker'];

// Each delivery step alone, on the events the workload makes (see the top).
async function measureSteps({browser, site, collector, scenario, heads, bundleUrl, settleMs, reps}) {
  const url = site.put(`/mutation-${scenario.id}-steps.html`, mutationPage(scenario, heads.steps));
  return loadInFreshPage(browser, url, async (page) => {
    if (!(await page.evaluate((bundleUrl) => window.deliverySteps.start(bundleUrl), bundleUrl))) throw new Error('the steps page did not start');
    await page.waitForFunction(() => window.deliverySteps.ready(), null, {polling: 20, timeout: 10_000});
    await page.waitForTimeout(settleMs);
    const sizes = await page.evaluate(async () => {
      window.deliverySteps.clear();
      window.workload();
      await new Promise((resolve) => setTimeout(resolve, 0));
      return window.deliverySteps.stopKeeping();
    });
    const batchUrl = `${collector.url}/v1/web/i?page=1&seq=0`;
    const ms = {};
    for (const step of STEPS) {
      ms[step] = await taskTimeOf(page, `window.deliverySteps.${step}(${JSON.stringify(batchUrl)})`, {reps, cpu: true});
    }
    sizes.gzip = await page.evaluate(() => window.deliverySteps.compression());
    return {...sizes, ms};
  });
}

async function measure({browser, site, collector, options, heads, bundleUrl, progress}) {
  const settleMs = options.smoke ? 0 : SETTLE_MS;
  const window_ = windowMs(options.smoke);
  const rows = [];
  const details = {reps: options.mutationReps, windowMs: window_, scenarios: {}};
  // BENCH_SCENARIOS=move-10000,class-10000 runs those workloads alone (to
  // study one; the README's figure is always all six from one run).
  const picked = process.env.BENCH_SCENARIOS?.split(',');
  for (const scenario of mutationScenarios.filter(({id}) => !picked || picked.includes(id))) {
    const urls = Object.fromEntries(VARIANTS.map((variant) => [variant, site.put(`/mutation-${scenario.id}-${variant}.html`, mutationPage(scenario, heads[variant]))]));
    const samples = await alternate({
      variants: VARIANTS,
      reps: options.mutationReps,
      warmup: options.warmup,
      run: (variant) =>
        loadInFreshPage(browser, urls[variant], async (page) => {
          await page.evaluate(startVariant, {variant, settleMs});
          const metrics = await metricsProbe(page, {cpu: true});
          const tracked = variant === 'tracker' || variant === 'crossOrigin';
          const sentBefore = tracked ? await page.evaluate(() => window.tracker._stats().sentBatches) : 0;
          // What each variant is said to be: the worker runs beside a bundle of the page's origin only.
          if (tracked && page.workers().length !== (variant === 'tracker' ? 1 : 0)) {
            throw new Error(`${variant}: ${page.workers().length} workers running, not what this variant measures`);
          }
          // When the batch was stored, seen from outside so that nothing polls the page.
          let began = 0;
          let delivered = null;
          page.on('requestfinished', async (request) => {
            if (!request.url().includes('/v1/web/i')) return;
            const at = Date.now() - began;
            if ((await request.response())?.ok()) delivered ??= at;
          });
          const before = await metrics();
          began = Date.now();
          const timing = await page.evaluate(runWorkload, window_);
          const after = await metrics();
          // The whole renderer's CPU time too: what the worker does still costs the machine.
          const cost = (end) => ({...timing, total: end.TaskDuration - before.TaskDuration, process: end.ProcessTime - before.ProcessTime});
          if (!tracked) return cost(after);
          const sent = () => page.evaluate((sent) => window.tracker._stats().sentBatches > sent && !window.tracker._stats().bufferedBytes, sentBefore);
          if (await sent()) return {...cost(after), deliveredMs: delivered};
          // Not delivered within the window (a very slow machine): the whole
          // delivery is still counted, and the sample says so.
          await page.waitForFunction((sent) => window.tracker._stats().sentBatches > sent && !window.tracker._stats().bufferedBytes, sentBefore, {polling: 250, timeout: 20_000});
          return {...cost(await metrics()), deliveredMs: delivered, late: true};
        }),
    });
    const steps = await measureSteps({browser, site, collector, scenario, heads, bundleUrl, settleMs, reps: options.smoke ? 1 : 3});
    progress(`recording overhead: ${scenario.title} done`);
    const observed = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((s) => s.observed))]));
    rows.push({
      metric: `${scenario.title}: tracker / raw rrweb`,
      unit: 'ms',
      baseline: observed.rrweb,
      value: observed.tracker,
      ratio: ratio(observed.tracker, observed.rrweb),
      goal: {ratioMax: 1.1},
      note: `no recording ${observed.none.toFixed(1)} ms (rrweb ${ratio(observed.rrweb, observed.none).toFixed(2)}×)`,
    });
    const total = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((s) => s.total))]));
    const process = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((s) => s.process))]));
    rows.push({
      metric: `${scenario.title}: total main-thread time, tracker / raw rrweb`,
      unit: 'ms',
      baseline: total.rrweb,
      value: total.tracker,
      ratio: ratio(total.tracker, total.rrweb),
      goal: {ratioMax: 1.1},
      note: `${(window_ / 1000).toFixed(1)} s from the workload's start, delivery included; no recording ${total.none.toFixed(1)} ms; ` +
        `events to JSON ${(steps.ms.batching + steps.ms.serialization).toFixed(1)}, worker messages ${steps.ms.inWorker.toFixed(1)} ms; ` +
        `renderer CPU, worker included: ${ratio(process.tracker, process.rrweb).toFixed(2)}×`,
    });
    rows.push({
      metric: `${scenario.title}: total main-thread time, bundle from another origin (no worker) / raw rrweb`,
      unit: 'ms',
      baseline: total.rrweb,
      value: total.crossOrigin,
      ratio: ratio(total.crossOrigin, total.rrweb),
      goal: {ratioMax: 1.1},
      note: `as a CDN serves it: events to JSON ${(steps.ms.batching + steps.ms.serialization).toFixed(1)}, gzip ${steps.ms.compression.toFixed(1)}, request ${steps.ms.send.toFixed(1)} ms on the main thread`,
    });
    const {batching, serialization, compression, send, inWorker} = steps.ms;
    const breakdown = {
      recording: total.rrweb - total.none,
      tracker: {batching, serialization, delivery: inWorker, other: total.tracker - total.rrweb - batching - serialization - inWorker},
      crossOrigin: {batching, serialization, compression, send, other: total.crossOrigin - total.rrweb - batching - serialization - compression - send},
    };
    details.scenarios[scenario.id] = {
      title: scenario.title,
      batch: {events: steps.events, jsonBytes: steps.json, gzipBytes: steps.gzip},
      breakdown,
      medians: Object.fromEntries(
        VARIANTS.map((variant) => [variant, Object.fromEntries(['workload', 'observed', 'frame', 'total', 'process'].map((key) => [key, median(samples[variant].map((s) => s[key]))]))]),
      ),
      samples,
    };
  }
  return {rows, details};
}
