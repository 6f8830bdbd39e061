// Figure 3: what recording costs while the page changes its DOM, on the six
// workloads of rrweb's benchmark suite. Three variants, alternated: no
// recording; raw rrweb (bundle/recorder.ts alone, events discarded); our full
// tracker delivering to the local collector. Recording is started and its full
// snapshot taken before the clock starts; the time counted is the workload plus
// rrweb's MutationObserver callback, which runs as a microtask right after it
// (a zero timeout resolves after it). Each run is a fresh context and page.
//
// Beside it, the whole bill: the main thread's total task time (CDP
// Performance.getMetrics TaskDuration) from the workload's start until the
// tracker has sent what it recorded (cutting the batch, JSON.stringify,
// compression, the request), or for 1.5 s after the workload for the two
// variants that send nothing.
import {alternate} from '../lib/alternate.mjs';
import {loadInFreshPage} from '../lib/loadInFreshPage.mjs';
import {median} from '../lib/median.mjs';
import {mutationPage, mutationScenarios} from '../lib/mutationScenarios.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';

const VARIANTS = ['none', 'rrweb', 'tracker'];

const taskSeconds = (metrics) => metrics.metrics.find((metric) => metric.name === 'TaskDuration').value;

const startVariant = async (variant) => {
  if (variant === 'rrweb') {
    if (!window.benchRecorder.start()) throw new Error('rrweb did not start');
  } else if (variant === 'tracker') {
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
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  await new Promise((resolve) => setTimeout(resolve, 50));
};

const runWorkload = async () => {
  const start = performance.now();
  window.workload();
  const mutated = performance.now();
  // MutationObserver callbacks are microtasks queued by the workload: they have
  // all run when a timeout set now fires.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const observed = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const framed = performance.now();
  return {workload: mutated - start, observed: observed - start, frame: framed - start};
};

export async function measureRecordingOverhead({browser, site, collector, options, bundleUrl, rawRecorderUrl, progress}) {
  const heads = {
    none: '',
    rrweb: `<script src="${rawRecorderUrl}"></script>`,
    // Smoke runs only check the harness: no need to wait out the 5 s flush timer.
    tracker: snippetTag({bundleUrl, ingestPoint: collector.url, options: options.smoke ? {flushIntervalMs: 200} : {}}),
  };
  const rows = [];
  const details = {reps: options.mutationReps, scenarios: {}};
  for (const scenario of mutationScenarios) {
    const urls = Object.fromEntries(VARIANTS.map((variant) => [variant, site.put(`/mutation-${scenario.id}-${variant}.html`, mutationPage(scenario, heads[variant]))]));
    const samples = await alternate({
      variants: VARIANTS,
      reps: options.mutationReps,
      warmup: options.warmup,
      run: (variant) =>
        loadInFreshPage(browser, urls[variant], async (page) => {
          await page.evaluate(startVariant, variant);
          const cdp = await page.context().newCDPSession(page);
          await cdp.send('Performance.enable');
          const sentBefore = variant === 'tracker' ? await page.evaluate(() => window.tracker._stats().sentBatches) : 0;
          const before = taskSeconds(await cdp.send('Performance.getMetrics'));
          const timing = await page.evaluate(runWorkload);
          if (variant === 'tracker') {
            await page.waitForFunction((sent) => window.tracker._stats().sentBatches > sent && !window.tracker._stats().bufferedBytes, sentBefore, {polling: 250, timeout: 20_000});
          } else {
            await page.waitForTimeout(1500);
          }
          const after = taskSeconds(await cdp.send('Performance.getMetrics'));
          return {...timing, total: (after - before) * 1000};
        }),
    });
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
    rows.push({
      metric: `${scenario.title}: total main-thread time, tracker / raw rrweb`,
      unit: 'ms',
      baseline: total.rrweb,
      value: total.tracker,
      ratio: ratio(total.tracker, total.rrweb),
      goal: {ratioMax: 1.1},
      note: `workload + delivery; no recording ${total.none.toFixed(1)} ms`,
    });
    details.scenarios[scenario.id] = {
      title: scenario.title,
      medians: Object.fromEntries(
        VARIANTS.map((variant) => [variant, Object.fromEntries(['workload', 'observed', 'frame', 'total'].map((key) => [key, median(samples[variant].map((s) => s[key]))]))]),
      ),
      samples,
    };
  }
  return {rows, details};
}
