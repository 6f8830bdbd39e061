// `npm run bench` (after `node build.mjs`): every figure of bench/NOTES.md in
// one run, printed as one table and written to bench/results.json.
//
//   node bench/run.mjs [--smoke] [--reps N] [--only sizes,pageLoad,...] [--out FILE]
//   (all options: lib/readOptions.mjs)
//
// --smoke (or BENCH_SMOKE=1) runs every figure once with the shortest
// repetitions and durations: it checks the harness, its numbers mean nothing.
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {cpus, totalmem, release, platform} from 'node:os';
import {fileURLToPath} from 'node:url';
import {dirname, join} from 'node:path';
import {readOptions} from './lib/readOptions.mjs';
import {buildBenchBundles} from './lib/buildBenchBundles.mjs';
import {launchBrowser} from './lib/launchBrowser.mjs';
import {startSite} from './lib/startSite.mjs';
import {startCollector, COLLECTOR_SCRIPT} from './lib/startCollector.mjs';
import {dashboardAssets} from './lib/dashboardPage.mjs';
import {goalMet, tableLines} from './lib/printTable.mjs';
import {measureSizes} from './figures/measureSizes.mjs';
import {measurePageLoad} from './figures/measurePageLoad.mjs';
import {measureRecordingOverhead} from './figures/measureRecordingOverhead.mjs';
import {measureDeliveryCost} from './figures/measureDeliveryCost.mjs';
import {measureWireEfficiency} from './figures/measureWireEfficiency.mjs';
import {measureStartLatency} from './figures/measureStartLatency.mjs';
import {measureCollectorThroughput} from './figures/measureCollectorThroughput.mjs';
import {measureViewer} from './figures/measureViewer.mjs';
import {measureCaptureCost} from './figures/measureCaptureCost.mjs';
import {measureCanvasCost} from './figures/measureCanvasCost.mjs';
import {measureLive} from './figures/measureLive.mjs';
import {measureReadAtScale} from './figures/measureReadAtScale.mjs';

// Paths in the harness (dist/, loader/, bench/pages/) are relative to the project.
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));

const FIGURES = [
  {id: 'sizes', number: 1, title: 'Sizes', measure: measureSizes, needs: []},
  {id: 'pageLoad', number: 2, title: 'Page load', measure: measurePageLoad, needs: ['browser', 'collector']},
  {id: 'recording', number: 3, title: 'Recording overhead', measure: measureRecordingOverhead, needs: ['browser', 'collector']},
  {id: 'delivery', number: 4, title: 'Delivery cost', measure: measureDeliveryCost, needs: ['browser', 'collector']},
  {id: 'wire', number: 5, title: 'Wire efficiency', measure: measureWireEfficiency, needs: ['browser', 'collector']},
  {id: 'start', number: 6, title: 'Start latency', measure: measureStartLatency, needs: ['browser', 'collector']},
  {id: 'viewer', number: 8, title: 'Replay viewer', measure: measureViewer, needs: ['browser']},
  {id: 'capture', number: 9, title: 'Capture cost', measure: measureCaptureCost, needs: ['browser', 'collector']},
  {id: 'canvas', number: 10, title: 'Canvas capture cost', measure: measureCanvasCost, needs: ['browser', 'collector']},
  {id: 'live', number: 11, title: 'Live sessions (Assist)', measure: measureLive, needs: ['browser', 'collector']},
  // Last and alone: the browser is closed so the collector and the load
  // generator have the two cores to themselves.
  {id: 'throughput', number: 7, title: 'Collector throughput', measure: measureCollectorThroughput, needs: []},
  // Only when asked for (--only readAtScale): it makes, indexes and queries
  // millions of sessions, about 40 minutes and 15 GB of disk at its default
  // scales. After the others, with the browser closed.
  {id: 'readAtScale', number: 12, title: 'Read side at scale', measure: measureReadAtScale, needs: [], onlyWhenAsked: true},
];

// Scratch space of one run (collector data, traces); bench/tmp is git-ignored.
// One folder per run: two runs side by side must not delete each other's data.
const TMP = `bench/tmp/run-${process.pid}`;
const options = readOptions(process.argv.slice(2), process.env);
const startedAt = Date.now();
const progress = (message) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${message}\n`);

const resources = [];
async function stopAll() {
  while (resources.length) {
    try {
      await resources.pop()();
    } catch (error) {
      progress(`cleanup: ${error.message}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => stopAll().finally(() => process.exit(130)));
}

async function main() {
  rmSync(TMP, {recursive: true, force: true});
  mkdirSync(TMP, {recursive: true});
  const selected = FIGURES.filter((figure) => (options.only ? options.only.includes(figure.id) : !figure.onlyWhenAsked));
  const needs = new Set(selected.flatMap((figure) => figure.needs));

  const bundles = {...(await buildBenchBundles()), tracker: readFileSync('dist/tracker.js')};
  const context = {options, bundles, progress, tmp: TMP};
  if (needs.has('browser')) {
    const site = await startSite();
    resources.push(() => site.stop());
    for (const [path, body] of dashboardAssets()) site.put(path, body);
    context.site = site;
    context.bundleUrl = site.put('/tracker.js', bundles.tracker);
    context.rawRecorderUrl = site.put('/raw-recorder.js', bundles.rawRecorder);
    const browser = await launchBrowser();
    resources.push(() => browser.close());
    context.browser = browser;
    context.chromiumVersion = browser.version();
  }
  if (needs.has('collector')) {
    const collector = await startCollector({dataDir: join(TMP, 'collector-browser')});
    resources.push(() => collector.stop());
    context.collector = collector;
  }

  const results = [];
  for (const figure of selected) {
    if (figure.id === 'throughput') {
      await context.browser?.close();
      await context.collector?.stop();
    }
    progress(`figure ${figure.number}: ${figure.title}`);
    const began = Date.now();
    try {
      const {rows, details} = await figure.measure(context);
      results.push({figure, rows, details, seconds: (Date.now() - began) / 1000});
    } catch (error) {
      // One broken figure must not hide the others; the table says what failed.
      progress(`figure ${figure.number} failed: ${error.stack ?? error}`);
      results.push({
        figure,
        rows: [{metric: 'failed', unit: null, note: String(error.message ?? error).split('\n')[0].slice(0, 160)}],
        error: String(error.stack ?? error),
        collectorOutput: context.collector?.output().slice(-4000),
        seconds: (Date.now() - began) / 1000,
      });
    }
  }
  await stopAll();

  const rows = results.flatMap(({figure, rows}) =>
    rows.map((row) => {
      const full = {figure: figure.number, figureTitle: figure.title, ...row};
      full.met = goalMet(full);
      return full;
    }),
  );
  const lines = tableLines(rows);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium: context.chromiumVersion ?? null,
    collector: COLLECTOR_SCRIPT,
  };
  console.log(`\nreplay-tracker bench${options.smoke ? ' (SMOKE: one repetition each, numbers mean nothing)' : ''}`);
  console.log(`${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, Chromium ${machine.chromium ?? '-'}`);
  console.log(
    `repetitions per variant (medians): page load ${options.pageLoadReps}, mutations ${options.mutationReps}, delivery ${options.deliveryReps}, ` +
      `start ${options.startReps}, first batch ${options.firstBatchReps}; warm-up rounds ${options.warmup}; session ${options.sessionSeconds} s; ` +
      `load test ${options.throughputSeconds} s × ${options.connections} connections\n`,
  );
  console.log(lines.join('\n'));
  const failed = results.filter((result) => result.error).map((result) => result.figure.id);
  writeFileSync(
    options.out,
    JSON.stringify(
      {
        date: new Date(startedAt).toISOString(),
        smoke: options.smoke,
        options,
        machine,
        seconds: (Date.now() - startedAt) / 1000,
        rows,
        table: lines.join('\n'),
        figures: Object.fromEntries(
          results.map(({figure, details, error, collectorOutput, seconds}) => [
            figure.id,
            {number: figure.number, title: figure.title, seconds, ...(error ? {error, collectorOutput} : {details})},
          ]),
        ),
        failed,
      },
      null,
      2,
    ) + '\n',
  );
  if (!options.keepTmp) rmSync(TMP, {recursive: true, force: true});
  console.log(`\n${options.out} written in ${((Date.now() - startedAt) / 1000).toFixed(0)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
  process.exitCode = failed.length ? 1 : 0;
}

main().catch(async (error) => {
  console.error(error);
  await stopAll();
  process.exit(1);
});
