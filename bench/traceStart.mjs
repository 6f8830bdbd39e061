// Where the tracker's start spends the main thread (issue #31), page by page:
//
//   node bench/traceStart.mjs [--page dashboard|many] [--bundle dist/tracker.js] [--reps 5] [--keep-traces]
//
// (after `node build.mjs`; without --page, both pages). Each repetition loads
// the page twice in fresh browser contexts, with the snippet and
// `tracker.start()` first in <head>, delivering to a local collector (the
// delivery worker served beside the bundle), until the first batch is sent:
// - traced: Chrome tracing (devtools.timeline, v8 with its compile events,
//   and V8's sampling profiler at 100 µs). A task is the tracker's when it
//   evaluates the bundle or runs the tracker's code for at least half of its
//   length; each is cut into parts by what its samples were doing, the
//   sampled functions named through the bundle's source map, and by the
//   trace's own events for compiling, garbage collection, and style and
//   layout forced from the tracker's code. gzip is the worker's
//   `CompressionStream Deflate`. Tracing slows JavaScript down, so each part
//   is also given as its share of the longest task times that task's
//   untraced length;
// - untraced: the same load, its Long Animation Frames attributing the
//   tracker's scripts (lib/longAnimationFrames.mjs): the real length of the
//   tracker's longest task and the forced style and layout inside it.
// Prints one table per page (medians over the repetitions) and writes every
// load's numbers to bench/tmp/traceStart.json; with --keep-traces, the traces
// go to bench/tmp/traceStart/ (DevTools' Performance panel opens them).
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {loadavg} from 'node:os';
import {basename, dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {launchBrowser} from './lib/launchBrowser.mjs';
import {startSite} from './lib/startSite.mjs';
import {startCollector} from './lib/startCollector.mjs';
import {dashboardAssets, dashboardPage} from './lib/dashboardPage.mjs';
import {manyElementsPage} from './lib/manyElementsPage.mjs';
import {snippetTag} from './lib/snippetTag.mjs';
import {median} from './lib/median.mjs';
import {observeLongAnimationFrames, readLongAnimationFrames, trackerFrames, trackerScriptMatcher} from './lib/longAnimationFrames.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const bundleFile = resolve(flag('bundle', 'dist/tracker.js'));
const pages = flag('page') ? [flag('page')] : ['dashboard', 'many'];
const reps = Number(flag('reps', 5));
const keepTraces = argv.includes('--keep-traces');
if (pages.some((page) => !['dashboard', 'many'].includes(page))) throw new Error('--page is dashboard or many');
// The snippet, the collector and the assets are read relative to the project.
process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
const OUT = 'bench/tmp/traceStart';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  // Each function's lazy compile and the optimizing compilers' main-thread part.
  'disabled-by-default-v8.compile',
  'blink.user_timing',
  'disabled-by-default-v8.cpu_profiler',
  // 100 µs between samples instead of 1 ms.
  'disabled-by-default-v8.cpu_profiler.hires',
];

// ---- naming the samples: the bundle's source map ----------------------------

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** (line, column) of the generated code, both 0-based -> {source, line, name} of the segment there. */
function readSourceMap(map) {
  const lines = map.mappings.split(';').map((text) => {
    const segments = [];
    let column = 0;
    for (const segment of text.split(',')) {
      if (!segment) continue;
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = shift = 0;
        }
      }
      column += fields[0];
      segments.push({column, fields});
    }
    return segments;
  });
  // Sources, lines and names are deltas across the whole file: resolve them once.
  let source = 0;
  let line = 0;
  let name = 0;
  for (const segments of lines) {
    for (const segment of segments) {
      const [, sourceDelta, lineDelta, , nameDelta] = segment.fields;
      if (segment.fields.length > 1) {
        source += sourceDelta;
        line += lineDelta;
        segment.source = map.sources[source];
        segment.line = line;
      }
      if (segment.fields.length > 4) {
        name += nameDelta;
        segment.name = map.names[name];
      }
    }
  }
  return (at, column) => {
    const segments = lines[at] ?? [];
    let low = 0;
    let high = segments.length - 1;
    let found = null;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (segments[middle].column <= column) {
        found = segments[middle];
        low = middle + 1;
      } else high = middle - 1;
    }
    return found;
  };
}

/**
 * Names a sampled function of one of the tracker's files. V8 gives the
 * minified name and where the function starts; the source map names the
 * identifier that declares it (`function xe(`, `xe=(`, `xe:function(`,
 * `xe(` for a method). A function terser inlined has no such identifier: it
 * stays unnamed and counts as part of its caller. Names are what to trust:
 * the bundle's map has rrweb's sources shifted (the build cuts lines out of
 * rrweb's record.js, whose own map esbuild then applies), our own files and
 * web-vitals' are right.
 */
function frameNamer(files, isTracker) {
  const cache = new Map();
  return (callFrame) => {
    const key = `${callFrame.url}:${callFrame.lineNumber}:${callFrame.columnNumber}:${callFrame.functionName}`;
    if (cache.has(key)) return cache.get(key);
    const file = callFrame.url ? files.get(callFrame.url.split(/[?#]/)[0]) : null;
    let frame = {tracker: isTracker(callFrame.url), name: callFrame.functionName || null, source: callFrame.url};
    if (file) {
      const {lookup, lines} = file;
      const at = lookup(callFrame.lineNumber, callFrame.columnNumber);
      frame = {tracker: true, name: null, source: at?.source ?? basename(callFrame.url)};
      const minified = callFrame.functionName.split('.').pop();
      if (/^[\w$]+$/.test(minified)) {
        const before = lines[callFrame.lineNumber].slice(Math.max(0, callFrame.columnNumber - 200), callFrame.columnNumber);
        const declared = new RegExp(`(?:^|[^\\w$.])(${minified.replace(/\$/g, '\\$')})\\s*(?:=\\s*(?:async\\s*)?|:\\s*(?:async\\s*)?function\\s*\\*?\\s*)?$`).exec(before);
        if (declared) {
          const named = lookup(callFrame.lineNumber, callFrame.columnNumber - before.length + declared.index + declared[0].indexOf(declared[1]));
          // terser keeps property and method names (`add(`, `flush:`): the map names only what it renamed.
          frame.name = named?.name ?? minified;
        }
      }
    }
    cache.set(key, frame);
    return frame;
  };
}

// ---- the parts ------------------------------------------------------------

const PARTS = [
  ['compile', 'compiling: the bundle, each function lazily, the JIT finishing on the main thread'],
  ['evaluate', 'bundle evaluation (top level, the queued start())'],
  ['handshake', 'the handshake (request, answer, session storage)'],
  ['vitals', 'web-vitals (observers registered)'],
  ['capture', 'error, console, network, navigation capture set up'],
  ['walk', "rrweb's DOM walk (serializeNodeWithId, serializeNode with the element and text serializers inlined, Mirror.add, DOM reads)"],
  ['attributes', 'attributes (transformAttribute, absolute URLs, srcset)'],
  ['privacy', 'privacy checks in the walk (needMaskingText, block, input masking)'],
  ['iframe', "rrweb's throwaway iframe for untainted prototypes (getUntaintedPrototype)"],
  ['stylesheets', 'stylesheet rule serialization (stringifyStylesheet, cssText)'],
  ['layout', 'forced style and layout'],
  ['observers', 'observers set up (initObservers)'],
  ['redaction', 'redaction of the snapshot (redactRecordedEvent)'],
  ['json', 'the first JSON.stringify (batcher)'],
  ['delivery', 'delivery on the main thread (batch cut, handed to the worker)'],
  ['rrweb', "rrweb's other work (record(), mutation callbacks)"],
  ['tracker', "the tracker's other code"],
  ['gc', 'garbage collection'],
  ['engine', 'engine and browser work inside these tasks (no JS on the stack)'],
];

// rrweb's functions by name (see frameNamer: rrweb's sources in the map cannot be trusted).
const isRrweb = (frame) => frame.tracker && /@rrweb|base64-arraybuffer/.test(frame.source);
// walkSnapshot and walkNodeWithId: the same walk as generators, in the sliced
// snapshot (scripts/sliceRrwebSnapshot.mjs).
const RRWEB_WALK_START = new Set(['snapshot', 'serializeNodeWithId', 'walkSnapshot', 'walkNodeWithId']);
const RRWEB_OBSERVERS = new Set(['initObservers']);
const RRWEB_STYLESHEETS = new Set([
  'stringifyStylesheet',
  'stringifyRule',
  'fixSafariColons',
  'escapeImportStatement',
  'absolutifyURLs',
  'fixBrowserCompatibilityIssuesInCSS',
  'isCSSImportRule',
  'isCSSStyleRule',
  'splitCssText',
  'markCssSplits',
  'normalizeCssString',
]);
const RRWEB_ATTRIBUTES = new Set(['transformAttribute', 'absoluteToDoc', 'getAbsoluteSrcsetString', 'getHref', 'ignoreAttribute', 'isSVGElement', 'extractOrigin']);
const RRWEB_PRIVACY = new Set(['needMaskingText', '_isBlockedElement', 'isBlocked', 'classMatchesRegex', 'maskInputValue', 'distanceToMatch', 'createMatchPredicate', 'getInputType']);

// The outermost frame that says what the work is for: [test, part].
const PHASES = [
  [(frame) => frame.tracker && /web-vitals|bundle\/vitals\.ts/.test(frame.source), 'vitals'],
  [(frame) => frame.tracker && /bundle\/(handshake|sessionStore|sampling)\.ts/.test(frame.source), 'handshake'],
  [(frame) => frame.tracker && /bundle\/capture\//.test(frame.source), 'capture'],
  [(frame) => isRrweb(frame) && RRWEB_OBSERVERS.has(frame.name), 'observers'],
  [(frame) => isRrweb(frame) && RRWEB_WALK_START.has(frame.name), 'walk'],
  [(frame) => frame.tracker && /redactRecordedEvent\.ts/.test(frame.source), 'redaction'],
  [(frame) => frame.tracker && /bundle\/batcher\.ts/.test(frame.source) && frame.name === 'add', 'json'],
  [(frame) => frame.tracker && /bundle\/(transport|deliveryWorker|postBatch|compressBatch|batcher)\.ts/.test(frame.source), 'delivery'],
];

// Inside the walk, the innermost named frame of rrweb's says which part.
function walkPart(stack) {
  for (const frame of stack) {
    if (!isRrweb(frame) || !frame.name) continue;
    if (frame.name === 'getUntaintedPrototype') return 'iframe';
    if (RRWEB_STYLESHEETS.has(frame.name)) return 'stylesheets';
    if (RRWEB_ATTRIBUTES.has(frame.name)) return 'attributes';
    if (RRWEB_PRIVACY.has(frame.name)) return 'privacy';
    if (RRWEB_WALK_START.has(frame.name)) return 'walk';
  }
  return 'walk';
}

/** The part of one sampled stack (leaf first). */
function partOf(stack) {
  const leaf = stack[0]?.name;
  if (leaf === '(garbage collector)') return 'gc';
  if (!stack.some((frame) => frame.tracker)) return leaf === '(program)' || leaf === '(idle)' || leaf === '(root)' ? 'engine' : 'page';
  for (let i = stack.length - 1; i >= 0; i--) {
    for (const [test, part] of PHASES) {
      if (test(stack[i])) return part === 'walk' ? walkPart(stack.slice(0, i + 1)) : part;
    }
  }
  return stack.some(isRrweb) ? 'rrweb' : 'tracker';
}

// ---- one trace --------------------------------------------------------------

// V8's main-thread compile work (disabled-by-default-v8.compile), outermost events only.
const COMPILING = new Set([
  'V8.CompileCode',
  'V8.FinalizeBaselineConcurrentCompilation',
  'V8.FinalizeMaglevConcurrentCompilation',
  'V8.OptimizeCode',
  'V8.InstallOptimizedFunctions',
]);

function mergeSpans(events) {
  const merged = [];
  for (const {ts, dur} of [...events].sort((a, b) => a.ts - b.ts)) {
    const last = merged[merged.length - 1];
    if (last && ts <= last.ts + last.dur) last.dur = Math.max(last.dur, ts + dur - last.ts);
    else merged.push({ts, dur});
  }
  return merged;
}

function analyzeTrace(events, {isTracker, nameFrame}) {
  const mark = events.find((event) => event.name === 'tracker:recording-started' && String(event.cat).includes('blink.user_timing'));
  if (!mark) throw new Error('the trace has no tracker:recording-started mark: recording did not start');
  const {pid, tid} = mark;
  const onMain = events.filter((event) => event.pid === pid && event.tid === tid && event.ph === 'X');
  const tasks = onMain.filter((event) => event.name === 'RunTask').sort((a, b) => a.ts - b.ts);

  // The main thread's samples, each with the time until the next one.
  const profile = events.find((event) => event.name === 'Profile' && event.pid === pid && event.tid === tid);
  if (!profile) throw new Error('the trace has no CPU profile of the main thread');
  const nodes = new Map();
  const samples = [];
  let ts = profile.args.data.startTime;
  for (const chunk of events.filter((event) => event.name === 'ProfileChunk' && event.pid === pid && event.id === profile.id)) {
    const {cpuProfile = {}, timeDeltas = []} = chunk.args.data;
    for (const node of cpuProfile.nodes ?? []) nodes.set(node.id, node);
    (cpuProfile.samples ?? []).forEach((id, i) => samples.push({id, ts: (ts += timeDeltas[i])}));
  }
  samples.sort((a, b) => a.ts - b.ts);
  const stacks = new Map();
  const stackOf = (id) => {
    if (!stacks.has(id)) {
      const stack = [];
      for (let node = nodes.get(id); node; node = nodes.get(node.parent)) stack.push(nameFrame(node.callFrame));
      stacks.set(id, {stack, part: partOf(stack)});
    }
    return stacks.get(id);
  };

  // Spans the trace itself names better than samples do.
  const bundleRuns = onMain.filter((event) => event.name === 'EvaluateScript' && isTracker(event.args?.data?.url));
  // Nested spans of one part (a GC within a compile, say) are merged, not counted twice.
  const spans = [
    ['compile', onMain.filter((event) => (event.name === 'v8.compile' && isTracker(event.args?.data?.url)) || COMPILING.has(event.name))],
    ['layout', onMain.filter((event) => event.name === 'Layout' || event.name === 'UpdateLayoutTree')],
    ['gc', onMain.filter((event) => event.name === 'MinorGC' || event.name === 'MajorGC')],
  ]
    .flatMap(([part, list]) => mergeSpans(list).map((span) => [part, span]))
    .sort((a, b) => a[1].ts - b[1].ts);

  // A task is the tracker's when it evaluates the bundle, or when the
  // tracker's JavaScript is on the stack for at least half of it: a page task
  // in which a tracker callback also ran (the load listener, a web-vitals
  // observer, rrweb's mutation callback) stays the page's.
  const analyzed = [];
  let next = 0;
  for (const task of tasks) {
    const end = task.ts + task.dur;
    while (next < samples.length && samples[next].ts < task.ts) next++;
    const parts = {};
    const selfTime = new Map();
    const evaluatesBundle = bundleRuns.some((run) => run.ts >= task.ts && run.ts < end);
    const inside = spans.filter(([, span]) => span.ts < end && span.ts + span.dur > task.ts);
    let trackerJs = 0;
    for (let i = next; i < samples.length && samples[i].ts < end; i++) {
      const from = samples[i].ts;
      const to = Math.min(samples[i + 1]?.ts ?? end, end);
      if (to <= from) continue;
      const {stack, part} = stackOf(samples[i].id);
      const ours = stack.some((frame) => frame.tracker);
      if (ours) trackerJs += to - from;
      // Style and layout with the tracker's JavaScript on the stack is forced
      // by it; without, it is the browser's own rendering of the page. One
      // span per 100 µs sample: the first that overlaps it.
      let left = to - from;
      for (const [spanPart, span] of inside) {
        if (spanPart === 'layout' && !ours) continue;
        const overlap = Math.min(to, span.ts + span.dur) - Math.max(from, span.ts);
        if (overlap > 0) {
          parts[spanPart] = (parts[spanPart] ?? 0) + overlap;
          left -= overlap;
          break;
        }
      }
      if (left <= 0) continue;
      const inRun = part === 'tracker' && bundleRuns.some((run) => from >= run.ts && from < run.ts + run.dur);
      const key = inRun ? 'evaluate' : part;
      parts[key] = (parts[key] ?? 0) + left;
      const leaf = stack.find((frame) => frame.name && frame.tracker) ?? stack[0];
      const label = `${leaf.name ?? '(inlined)'} ${isRrweb(leaf) ? '[rrweb]' : leaf.tracker ? `[${basename(leaf.source ?? '')}]` : ''}`.trim();
      selfTime.set(label, (selfTime.get(label) ?? 0) + left);
    }
    if (!evaluatesBundle && trackerJs * 2 < task.dur) continue;
    // Before the first sample and after the last: the task's own bookkeeping.
    const sampled = Object.values(parts).reduce((sum, value) => sum + value, 0);
    if (task.dur > sampled) parts.engine = (parts.engine ?? 0) + (task.dur - sampled);
    // The page's own JavaScript in a tracker task is not the tracker's.
    delete parts.page;
    selfTime.delete('(program)');
    const kind = evaluatesBundle ? 'bundle' : task.ts <= mark.ts && mark.ts <= end ? 'snapshot' : 'other';
    analyzed.push({start: task.ts, duration: task.dur, cpu: task.tdur ?? null, kind, parts: Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, value / 1000])), selfTime});
  }
  const snapshot = analyzed.find((task) => task.kind === 'snapshot');
  const longest = analyzed.reduce((max, task) => (task.duration > (max?.duration ?? 0) ? task : max), null);

  // Off the main thread: the bundle parsed while it downloads, and gzip in the worker.
  const offThreadParse = events.filter((event) => event.name === 'v8.parseOnBackground' && isTracker(event.args?.data?.url)).reduce((sum, event) => sum + event.dur, 0);
  const gzip = events.filter((event) => event.name === 'CompressionStream Deflate' && event.pid === pid && event.ts > mark.ts).reduce((sum, event) => sum + event.dur, 0);
  const sum = (list, key) => list.reduce((total, task) => total + (task.parts[key] ?? 0), 0);
  return {
    longestTaskMs: longest.duration / 1000,
    // The main thread's own CPU time in it: on a busy machine the rest is time it waited for a core.
    longestTaskCpuMs: longest.cpu === null ? null : longest.cpu / 1000,
    longestIsSnapshot: longest === snapshot,
    snapshotTaskMs: snapshot ? snapshot.duration / 1000 : null,
    trackerTasks: analyzed.length,
    // The tracker's share of its tasks: a page timer whose mutations rrweb records is the page's too.
    trackerTaskMs: analyzed.reduce((total, task) => total + Object.values(task.parts).reduce((sum, value) => sum + value, 0), 0),
    // Named by what they are, or else by their largest part.
    tasksOver50: analyzed
      .filter((task) => task.duration > 50_000)
      .map((task) => `${task.kind === 'other' ? `${Object.entries(task.parts).sort((a, b) => b[1] - a[1])[0][0]} (largest part)` : task.kind} ${(task.duration / 1000).toFixed(0)} ms`),
    parts: Object.fromEntries(PARTS.map(([key]) => [key, {longest: longest.parts[key] ?? 0, all: sum(analyzed, key)}])),
    offThreadParseMs: offThreadParse / 1000,
    gzipMs: gzip / 1000,
    selfTime: Object.fromEntries([...longest.selfTime].map(([label, us]) => [label, us / 1000])),
  };
}

// ---- loads ------------------------------------------------------------------

// tracker._stats() counts the batches the collector accepted. Polled with a
// plain evaluate: waitForFunction would compile Playwright's injected script
// in the page (40 ms of main thread) in the middle of what is measured.
async function waitForFirstBatch(page) {
  const until = Date.now() + 30_000;
  while (!(await page.evaluate(() => window.tracker?._stats?.().sentBatches > 0))) {
    if (Date.now() > until) throw new Error('no batch was sent within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function tracedLoad(browser, url, analysisContext, tracePath) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await browser.startTracing(page, {categories: CATEGORIES});
    await page.goto(url, {waitUntil: 'load'});
    await waitForFirstBatch(page);
    // The worker's gzip is done by then; let its last events reach the trace.
    await page.waitForTimeout(200);
    const trace = await browser.stopTracing();
    if (tracePath) writeFileSync(tracePath, trace);
    const parsed = JSON.parse(trace);
    return analyzeTrace(parsed.traceEvents ?? parsed, analysisContext);
  } finally {
    await context.close();
  }
}

async function untracedLoad(browser, url, isTracker) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(observeLongAnimationFrames);
    const page = await context.newPage();
    await page.goto(url, {waitUntil: 'load'});
    await waitForFirstBatch(page);
    await page.waitForTimeout(200);
    return trackerFrames(await page.evaluate(readLongAnimationFrames), isTracker);
  } finally {
    await context.close();
  }
}

// ---- the table --------------------------------------------------------------

const ms = (value) => (value === null || value === undefined ? '—' : value < 10 ? value.toFixed(1) : value.toFixed(0));

function report(name, traced, untraced, loadAverage) {
  const pick = (read) => median(traced.map(read));
  const longest = pick((load) => load.longestTaskMs);
  const untracedLongest = median(untraced.map((load) => load.longestScript));
  const lines = [
    `${name}: ${traced.length} traced and ${untraced.length} untraced loads, medians; load average ${loadAverage}`,
    '',
    `| part | longest task, traced (ms) | share | × untraced length (ms) | all the tracker's tasks, traced (ms) |`,
    '|---|---|---|---|---|',
  ];
  for (const [key, label] of PARTS) {
    // Each load's share of its own longest task, then the median.
    const share = pick((load) => load.parts[key].longest / load.longestTaskMs);
    lines.push(`| ${label} | ${ms(pick((load) => load.parts[key].longest))} | ${(share * 100).toFixed(1)} % | ${untracedLongest ? ms(share * untracedLongest) : '—'} | ${ms(pick((load) => load.parts[key].all))} |`);
  }
  lines.push(
    `| **the longest task** (${traced.filter((load) => load.longestIsSnapshot).length} of ${traced.length}: the full snapshot's) | **${ms(longest)}** (CPU ${ms(pick((load) => load.longestTaskCpuMs))}) | | **${ms(untracedLongest)}** | ${ms(pick((load) => load.trackerTaskMs))} in ${pick((load) => load.trackerTasks)} tasks |`,
  );
  const functions = new Set(traced.flatMap((load) => Object.keys(load.selfTime)));
  const selfTime = [...functions].map((label) => [label, median(traced.map((load) => load.selfTime[label] ?? 0))]).sort((a, b) => b[1] - a[1]);
  lines.push(
    '',
    `- Off the main thread: the bundle parsed while it downloaded ${ms(pick((load) => load.offThreadParseMs))} ms; gzip of the first batch in the worker ${ms(pick((load) => load.gzipMs))} ms.`,
    `- Untraced, the tracker's longest script (Long Animation Frames): ${untraced.map((load) => ms(load.longestScript)).join(', ')} ms; its forced style and layout: ${untraced.map((load) => ms(load.forcedStyleAndLayout)).join(', ')} ms; invoked by ${[...new Set(untraced.map((load) => load.invoker))].join(', ')}; the longest frame holding it ${ms(median(untraced.map((load) => load.longestFrame)))} ms.`,
    `- Traced, the tracker's tasks over 50 ms: ${traced.map((load) => load.tasksOver50.join(' + ') || 'none').join('; ')}.`,
    `- Self time in the longest task, traced, the callees the profiler does not show (DOM, natives) included: ${selfTime.slice(0, 12).map(([label, value]) => `${label} ${ms(value)}`).join(', ')}.`,
  );
  return lines.join('\n');
}

async function main() {
  if (!existsSync(bundleFile)) throw new Error(`${bundleFile} not found: run node build.mjs first`);
  rmSync(OUT, {recursive: true, force: true});
  mkdirSync(OUT, {recursive: true});
  const site = await startSite();
  const collector = await startCollector({dataDir: join(OUT, 'collector')});
  const browser = await launchBrowser();
  try {
    for (const [path, body] of dashboardAssets()) site.put(path, body);
    // The bundle, and every part it may load from beside it, with their source maps.
    const files = new Map();
    let bundleUrl;
    for (const file of readdirSync(dirname(bundleFile))) {
      if (file !== basename(bundleFile) && !/^tracker[^/]*\.js$/.test(file)) continue;
      const path = join(dirname(bundleFile), file);
      const code = readFileSync(path, 'utf8');
      const url = site.put(`/${file}`, code);
      if (file === basename(bundleFile)) bundleUrl = url;
      if (existsSync(`${path}.map`)) files.set(url, {lookup: readSourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))), lines: code.split('\n')});
    }
    const isTracker = trackerScriptMatcher(bundleUrl);
    const analysisContext = {isTracker, nameFrame: frameNamer(files, isTracker)};
    const head = snippetTag({bundleUrl, ingestPoint: collector.url, start: true});
    const html = {dashboard: () => dashboardPage({head}), many: () => manyElementsPage({head})};
    const results = {};
    for (const name of pages) {
      const url = site.put(`/${name}.html`, html[name]());
      const traced = [];
      const untraced = [];
      for (let rep = 0; rep < reps; rep++) {
        process.stderr.write(`[traceStart] ${name} ${rep + 1}/${reps}\n`);
        traced.push(await tracedLoad(browser, url, analysisContext, keepTraces ? join(OUT, `${name}-${rep + 1}.json`) : null));
        untraced.push(await untracedLoad(browser, url, isTracker));
      }
      results[name] = {traced, untraced};
      console.log(`\n${report(name, traced, untraced, loadavg().map((value) => value.toFixed(1)).join(' '))}`);
    }
    writeFileSync(join(OUT, '..', 'traceStart.json'), JSON.stringify({bundle: bundleFile, chromium: browser.version(), reps, results}, null, 2) + '\n');
  } finally {
    await browser.close();
    await collector.stop();
    await site.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
