// Figure 4: what the tracker costs the main thread while a full snapshot of
// about 1 MB is taken and goes out. A Chrome trace of each run gives every
// main-thread task, not only those over 50 ms.
// - Raw rrweb (its own synchronous snapshot) takes it in the one task holding
//   `bench:started`, set right after record().
// - The tracker takes it in slices (bundle/slicedSnapshot.ts): its tasks from
//   `bench:started` (start() resolved) to the task holding
//   `tracker:recording-started`, set as the complete snapshot is emitted.
// - Delivery is every task after that until the first batch is stored
//   (`bench:delivered`): the flush (the events' JSON joined), gzip in the
//   delivery worker, the request.
// Raw rrweb taking the same snapshot (alternated with the tracker) tells
// rrweb's cost apart from ours.
import {alternate} from '../lib/alternate.mjs';
import {bigDocumentPage} from '../lib/bigDocumentPage.mjs';
import {mainThreadTasks} from '../lib/mainThreadTasks.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';

const TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'];
const DELIVERY_TIMEOUT_MS = 30_000;

async function runOnce(browser, url, variant) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const warnings = [];
    page.on('console', (message) => {
      if (message.type() === 'warning' || message.type() === 'error') warnings.push(message.text());
    });
    let wireBytes = 0;
    page.on('request', (request) => {
      if (request.url().includes('/v1/web/i')) wireBytes += request.postDataBuffer()?.length ?? 0;
    });
    await page.goto(url, {waitUntil: 'load'});
    if (variant === 'tracker') await page.waitForFunction(() => window.tracker._live, null, {polling: 10});
    await page.waitForTimeout(100);
    await browser.startTracing(page, {categories: TRACE_CATEGORIES});
    let trace;
    try {
      if (variant === 'tracker') {
        const result = await page.evaluate(async () => {
          const started = await window.tracker.start();
          performance.mark('bench:started');
          return started;
        });
        if (!result.success) throw new Error(`tracker.start() failed: ${result.reason}`);
        await page.waitForFunction(() => window.tracker._stats().sentBatches > 0, null, {polling: 200, timeout: DELIVERY_TIMEOUT_MS}).catch(async (error) => {
          const stats = await page.evaluate(() => window.tracker._stats()).catch(() => null);
          throw new Error(`the first batch was not delivered: ${error.message.split('\n')[0]}; tracker stats ${JSON.stringify(stats)}; console: ${warnings.join(' | ')}`);
        });
      } else {
        await page.evaluate(() => {
          window.benchRecorder.start();
          performance.mark('bench:started');
        });
      }
      await page.evaluate(() => performance.mark('bench:delivered'));
    } finally {
      trace = JSON.parse((await browser.stopTracing()).toString());
    }
    const delivered = mainThreadTasks(trace, variant === 'tracker' ? 'tracker:recording-started' : 'bench:started', 'bench:delivered');
    // The snapshot: raw rrweb's one task, or the tracker's tasks up to the one that emitted it.
    const snapshotTasks =
      variant === 'tracker'
        ? mainThreadTasks(trace, 'bench:started', 'tracker:recording-started').tasks.filter((task) => !task.containsFrom)
        : delivered.tasks.filter((task) => task.containsFrom);
    const longestSnapshot = snapshotTasks.reduce((max, task) => (!max || task.duration > max.duration ? task : max), null);
    const emitted = delivered.tasks.find((task) => task.containsFrom);
    const after = delivered.tasks.filter((task) => task !== emitted && task.start >= (emitted ? emitted.start + emitted.duration : 0));
    const longest = after.reduce((max, task) => (!max || task.duration > max.duration ? task : max), null);
    const snapshotBytes = variant === 'rrweb' ? await page.evaluate(() => JSON.stringify(window.benchRecorder.lastFullSnapshot).length) : null;
    return {
      snapshotLongest: longestSnapshot?.duration ?? null,
      snapshotTotal: snapshotTasks.reduce((sum, task) => sum + task.duration, 0),
      snapshotTasks: snapshotTasks.length,
      snapshotBreakdown: longestSnapshot ? delivered.breakdown(longestSnapshot) : [],
      longestAfter: longest?.duration ?? 0,
      longestAfterBreakdown: longest ? delivered.breakdown(longest) : [],
      tasksOver50: after.filter((task) => task.duration > 50).length,
      busyAfter: after.reduce((sum, task) => sum + task.duration, 0),
      snapshotBytes,
      wireBytes,
    };
  } finally {
    await context.close();
  }
}

export async function measureDeliveryCost({browser, site, collector, options, bundleUrl, rawRecorderUrl, progress}) {
  const urls = {
    rrweb: site.put('/big-rrweb.html', bigDocumentPage({head: `<script src="${rawRecorderUrl}"></script>`})),
    tracker: site.put('/big-tracker.html', bigDocumentPage({head: snippetTag({bundleUrl, ingestPoint: collector.url})})),
  };
  const samples = await alternate({
    variants: ['rrweb', 'tracker'],
    reps: options.deliveryReps,
    warmup: options.warmup,
    onRound: (round) => progress(`delivery cost ${round < 0 ? 'warm-up' : `${round + 1}/${options.deliveryReps}`}`),
    run: (variant) => runOnce(browser, urls[variant], variant),
  });
  const pick = (variant, key) => median(samples[variant].map((sample) => sample[key]));
  const snapshotBytes = pick('rrweb', 'snapshotBytes');
  const wireBytes = pick('tracker', 'wireBytes');
  const worst = Math.max(...samples.tracker.map((sample) => sample.longestAfter));
  const rows = [
    {
      metric: `full snapshot (${(snapshotBytes / 1e6).toFixed(2)} MB), longest task: tracker / raw rrweb`,
      unit: 'ms',
      baseline: pick('rrweb', 'snapshotLongest'),
      value: pick('tracker', 'snapshotLongest'),
      ratio: ratio(pick('tracker', 'snapshotLongest'), pick('rrweb', 'snapshotLongest')),
      goal: {valueMax: 50},
      note: `rrweb takes it in one task; the tracker in ${pick('tracker', 'snapshotTasks')} (median)`,
    },
    {
      metric: 'full snapshot, main-thread time of all its tasks: tracker / raw rrweb',
      unit: 'ms',
      baseline: pick('rrweb', 'snapshotTotal'),
      value: pick('tracker', 'snapshotTotal'),
      ratio: ratio(pick('tracker', 'snapshotTotal'), pick('rrweb', 'snapshotTotal')),
      note: "the tracker's: every task from start() to the snapshot, redaction and JSON included",
    },
    {
      metric: 'longest delivery task (batch, gzip, send), median',
      unit: 'ms',
      baseline: null,
      value: pick('tracker', 'longestAfter'),
      ratio: null,
      goal: {valueMax: 50},
      note: `worst ${worst.toFixed(1)} ms; all delivery tasks ${pick('tracker', 'busyAfter').toFixed(1)} ms; sent ${Math.round(wireBytes / 1024)} KiB`,
    },
  ];
  return {rows, details: {reps: options.deliveryReps, snapshotBytes, wireBytes, samples}};
}
