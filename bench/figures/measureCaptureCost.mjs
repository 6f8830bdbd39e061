// Figure 9: what capturing errors, console, network and navigation costs the
// page's main thread. A noisy page issues 200 fetches and 1,000 console calls
// a second; the tracker records it with every capture on (the defaults) and
// with every capture off, alternated. The time counted is the main thread's
// total task time (CDP Performance.getMetrics TaskDuration) over the noise and
// the second after it, in which the batches are sent.
import {alternate} from '../lib/alternate.mjs';
import {taskTimeProbe} from '../lib/measureTaskTime.mjs';
import {loadInFreshPage} from '../lib/loadInFreshPage.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';

const VARIANTS = ['off', 'on'];
const OFF = {captureErrors: false, captureConsole: false, captureNetwork: false, captureNavigation: false};

const noisyPage = (head) => `<!doctype html><html><head><meta charset="utf-8"><title>noisy</title>${head}
<script>
// One fetch and five console calls per 5 ms (200 and 1,000 a second), caught
// up when a timer fires late, so the rate holds on a loaded machine.
window.makeNoise = (seconds) => new Promise((resolve) => {
  const start = performance.now();
  let fetches = 0, logs = 0;
  const tick = () => {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) return resolve({fetches, logs});
    while (fetches < Math.floor(elapsed / 5) + 1) {
      fetch('/ping.json').then((response) => response.json());
      fetches++;
      for (let i = 0; i < 5; i++, logs++) console.log('tick', logs, {fetches, i, items: [1, 2, 3]});
    }
    setTimeout(tick, 5);
  };
  tick();
});
</script></head><body><h1>A page that logs and fetches a lot</h1><ul>${'<li>item</li>'.repeat(50)}</ul></body></html>`;

async function startTracker() {
  while (!window.tracker._live) await new Promise((resolve) => setTimeout(resolve, 5));
  const result = await window.tracker.start();
  if (!result.success) throw new Error(`tracker.start() failed: ${result.reason}`);
  while (!performance.getEntriesByName('tracker:recording-started').length) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 100));
}


export async function measureCaptureCost({browser, site, collector, options, bundleUrl, progress}) {
  const seconds = options.smoke ? 1 : 4;
  site.put('/ping.json', '{"ok":true}');
  const urls = {
    off: site.put('/capture-off.html', noisyPage(snippetTag({bundleUrl, ingestPoint: collector.url, options: OFF}))),
    on: site.put('/capture-on.html', noisyPage(snippetTag({bundleUrl, ingestPoint: collector.url}))),
  };
  const samples = await alternate({
    variants: VARIANTS,
    reps: options.mutationReps,
    warmup: options.warmup,
    run: (variant) =>
      loadInFreshPage(browser, urls[variant], async (page) => {
        await page.evaluate(startTracker);
        const taskTime = await taskTimeProbe(page);
        const before = await taskTime();
        const noise = await page.evaluate((s) => window.makeNoise(s), seconds);
        await page.waitForTimeout(1000);
        return {taskMs: (await taskTime()) - before, ...noise};
      }),
  });
  progress('capture cost done');
  const taskMs = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((sample) => sample.taskMs))]));
  const noise = samples.on[0] ?? {fetches: 0, logs: 0};
  return {
    rows: [
      {
        metric: 'main-thread task time, capture on / off',
        unit: 'ms',
        baseline: taskMs.off,
        value: taskMs.on,
        ratio: ratio(taskMs.on, taskMs.off),
        goal: {ratioMax: 1.1},
        note: `${seconds} s of ${Math.round(noise.fetches / seconds)} fetches/s and ${Math.round(noise.logs / seconds)} console calls/s, then 1 s of delivery`,
      },
    ],
    details: {reps: options.mutationReps, seconds, medians: taskMs, samples},
  };
}
