// Figure 10: what captureCanvas costs the page's main thread. A page animates
// a 2D canvas (800 × 450, redrawn every frame, as a live chart or a game
// would); the tracker records it with captureCanvas on (default 2 fps) and
// off, alternated. The time counted is the main thread's total task time (CDP
// Performance.getMetrics TaskDuration) over the animation and the second
// after it, in which the batches are sent. Snapshots are encoded with
// canvas.toBlob, which Chromium runs off the main thread; reading the pixels
// back and base64-encoding the result are what remains on it.
import {readFileSync} from 'node:fs';
import {alternate} from '../lib/alternate.mjs';
import {loadInFreshPage} from '../lib/loadInFreshPage.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';

const VARIANTS = ['off', 'on'];

const animatedPage = (head) => `<!doctype html><html><head><meta charset="utf-8"><title>canvas</title>${head}
<script>
window.animate = (seconds) => new Promise((resolve) => {
  const canvas = document.getElementById('stage');
  const context = canvas.getContext('2d');
  const start = performance.now();
  let frames = 0;
  const frame = (now) => {
    const t = (now - start) / 1000;
    context.fillStyle = '#f4f6fb';
    context.fillRect(0, 0, 800, 450);
    for (let i = 0; i < 40; i++) {
      context.fillStyle = ['#2c5cc5', '#0a8a4a', '#c0332b'][i % 3];
      const h = 150 + 120 * Math.sin(t * 3 + i / 3);
      context.fillRect(10 + i * 19, 440 - h, 14, h);
    }
    frames++;
    if (t < seconds) requestAnimationFrame(frame);
    else resolve({frames});
  };
  requestAnimationFrame(frame);
});
</script></head><body><canvas id="stage" width="800" height="450"></canvas></body></html>`;

async function startTracker() {
  while (!window.tracker._live) await new Promise((resolve) => setTimeout(resolve, 5));
  const result = await window.tracker.start();
  if (!result.success) throw new Error(`tracker.start() failed: ${result.reason}`);
  while (!performance.getEntriesByName('tracker:recording-started').length) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 300));
}

const taskSeconds = (metrics) => metrics.metrics.find((metric) => metric.name === 'TaskDuration').value;

export async function measureCanvasCost({browser, site, collector, options, bundleUrl, progress}) {
  const seconds = options.smoke ? 1 : 4;
  // Beside the bundle, where the bundle looks for it.
  site.put(new URL('tracker-canvas.js', bundleUrl).pathname, readFileSync('dist/tracker-canvas.js'));
  const urls = {
    off: site.put('/canvas-off.html', animatedPage(snippetTag({bundleUrl, ingestPoint: collector.url}))),
    on: site.put('/canvas-on.html', animatedPage(snippetTag({bundleUrl, ingestPoint: collector.url, options: {captureCanvas: true}}))),
  };
  const samples = await alternate({
    variants: VARIANTS,
    reps: options.mutationReps,
    warmup: options.warmup,
    run: (variant) =>
      loadInFreshPage(browser, urls[variant], async (page) => {
        await page.evaluate(startTracker);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable');
        const before = taskSeconds(await cdp.send('Performance.getMetrics'));
        const animation = await page.evaluate((s) => window.animate(s), seconds);
        await page.waitForTimeout(1000);
        const after = taskSeconds(await cdp.send('Performance.getMetrics'));
        const snapshots = await page.evaluate(() => window.tracker._stats().recordedEvents);
        return {taskMs: (after - before) * 1000, ...animation, recordedEvents: snapshots};
      }),
  });
  progress('canvas cost done');
  const taskMs = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((sample) => sample.taskMs))]));
  const frames = samples.on[0]?.frames ?? 0;
  return {
    rows: [
      {
        metric: 'main-thread task time, captureCanvas on / off',
        unit: 'ms',
        baseline: taskMs.off,
        value: taskMs.on,
        ratio: ratio(taskMs.on, taskMs.off),
        goal: {ratioMax: 1.25},
        note: `${seconds} s of an 800×450 2D canvas redrawn every frame (${Math.round(frames / seconds)} fps), snapshots at the default 2 fps, then 1 s of delivery`,
      },
    ],
    details: {reps: options.mutationReps, seconds, medians: taskMs, samples},
  };
}
