// Figure 4: what delivery costs the main thread while a full snapshot of about
// 1 MB goes out. A Chrome trace of each run gives every main-thread task, not
// only those over 50 ms. rrweb's own snapshot is the task holding the
// tracker's `tracker:recording-started` mark (set right after rrweb's
// record(), which snapshots synchronously; for raw rrweb, `bench:started`
// right after record()); delivery is every task
// after it until the first batch is stored (`bench:delivered`): the flush
// (JSON.stringify of the batch), gzip through CompressionStream, the request.
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
    const {tasks, breakdown} = mainThreadTasks(trace, variant === 'tracker' ? 'tracker:recording-started' : 'bench:started', 'bench:delivered');
    const snapshotTask = tasks.find((task) => task.containsFrom);
    const after = tasks.filter((task) => task !== snapshotTask && task.start >= (snapshotTask ? snapshotTask.start + snapshotTask.duration : 0));
    const longest = after.reduce((max, task) => (!max || task.duration > max.duration ? task : max), null);
    const snapshotBytes = variant === 'rrweb' ? await page.evaluate(() => JSON.stringify(window.benchRecorder.lastFullSnapshot).length) : null;
    return {
      snapshotTask: snapshotTask?.duration ?? null,
      snapshotBreakdown: snapshotTask ? breakdown(snapshotTask) : [],
      longestAfter: longest?.duration ?? 0,
      longestAfterBreakdown: longest ? breakdown(longest) : [],
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
      metric: `full snapshot task (${(snapshotBytes / 1e6).toFixed(2)} MB), tracker / raw rrweb`,
      unit: 'ms',
      baseline: pick('rrweb', 'snapshotTask'),
      value: pick('tracker', 'snapshotTask'),
      ratio: ratio(pick('tracker', 'snapshotTask'), pick('rrweb', 'snapshotTask')),
      note: "rrweb's own cost, for reference",
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
