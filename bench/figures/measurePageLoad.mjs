// Figure 2: what the snippet costs a page's load, on two pages: the dashboard
// (about 5,600 nodes) and a page of 20,000 elements with a 2,000-rule
// stylesheet (lib/manyElementsPage.mjs). Per page, three variants: no
// tracker; the snippet and `tracker.start()` first in <head>; and a late
// start, as a tag manager does it: the snippet without start(), and
// `tracker.start()` from a load handler after a zero timeout. The tracker
// delivers to the local collector, its delivery worker served beside the
// bundle as a site serves it. Each load is a fresh browser context (cold
// cache, new connections, empty sessionStorage), the six variants alternate,
// and each load is watched for 5 s on the dashboard and 10 s on the big page
// (1 s and 2 s in smoke mode).
//
// The page's total blocking time comes from its long tasks, whoever ran them;
// the tracker's own blocking work from Long Animation Frames, each frame's
// scripts attributed by their source URL (lib/longAnimationFrames.mjs): its
// longest script, and the blocking time its scripts account for (their time
// inside long tasks, which the Long Tasks API gives). The
// difference of the medians with and without the tracker is shown too; on
// the big page it is not stable (its own TBT spreads over hundreds of ms
// from load to load, bench/NOTES.md). Each
// load is a Chromium of its own that no DevTools protocol client is attached
// to (lib/loadWithoutDevtools.mjs): under one, the tracker's handshake
// fetch() alone took 15 to 49 ms of its first task. The page measures itself
// with a script first in <head>, every variant alike.
import {readFileSync} from 'node:fs';
import {alternate} from '../lib/alternate.mjs';
import {dashboardPage} from '../lib/dashboardPage.mjs';
import {manyElementsPage} from '../lib/manyElementsPage.mjs';
import {observeLongAnimationFrames, readLongAnimationFrames, trackerFrames, trackerScriptMatcher} from '../lib/longAnimationFrames.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';
import {probe, startReportServer} from '../lib/loadWithoutDevtools.mjs';

// Each page's window: the big page loads in 2–4 s here, and its first snapshot takes another second or more.
const PAGES = [
  {id: 'dashboard', title: 'dashboard', html: dashboardPage, windowMs: (options) => options.loadWindowMs},
  {id: 'many', title: '20,000 elements', html: manyElementsPage, windowMs: (options) => options.manyElementsWindowMs},
];

// What a tag manager does with the snippet: inserted without start(), started once the page has loaded.
const LATE_START = `<script>addEventListener('load', function () { setTimeout(function () { tracker.start(); }, 0); });</script>`;

// Long tasks are not in the performance timeline: they must be observed from
// the first script on.
const observeLongTasks = () => {
  window.__benchLongTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__benchLongTasks.push([entry.startTime, entry.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch {
    // No Long Tasks API: TBT stays unknown rather than 0.
    window.__benchLongTasks = null;
  }
};

const readLoadMetrics = (windowMs) =>
  new Promise((resolve) => {
    const navigation = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const done = (lcp) => {
      const tasks = window.__benchLongTasks;
      resolve({
        fcp: fcp ? fcp.startTime : null,
        lcp,
        load: navigation && navigation.loadEventStart > 0 ? navigation.loadEventStart : null,
        // Total blocking time as Lighthouse counts it (each long task's time
        // past 50 ms), over the first `windowMs` instead of FCP..TTI.
        tbt: tasks
          ? tasks.filter(([start]) => start < windowMs).reduce((sum, [start, duration]) => sum + Math.max(0, Math.min(duration, windowMs - start) - 50), 0)
          : null,
        longTasks: tasks ? tasks.length : null,
        tasks,
        longestTask: tasks ? tasks.reduce((max, [, duration]) => Math.max(max, duration), 0) : null,
        trackerActive: window.tracker && typeof window.tracker.isActive === 'function' ? window.tracker.isActive() : null,
        // The full snapshot was taken within the window (the tracker marks it).
        recordingStarted: performance.getEntriesByName('tracker:recording-started').length > 0,
      });
    };
    // LCP entries are only handed to observers; the buffered flag replays them.
    const timer = setTimeout(() => done(null), 1000);
    new PerformanceObserver((list) => {
      const entries = list.getEntries();
      clearTimeout(timer);
      done(entries[entries.length - 1].startTime);
    }).observe({type: 'largest-contentful-paint', buffered: true});
  });

export async function measurePageLoad({site, collector, options, bundleUrl, progress}) {
  // Gzip and the requests run in the delivery worker when it is served beside the bundle.
  site.put(new URL('tracker-worker.js', bundleUrl).pathname, readFileSync('dist/tracker-worker.js'));
  const isTracker = trackerScriptMatcher(bundleUrl);
  const snippet = (start) => snippetTag({bundleUrl, ingestPoint: collector.url, start});
  const reports = await startReportServer();
  const urls = {};
  const windows = {};
  for (const page of PAGES) {
    const windowMs = (windows[page.id] = page.windowMs(options));
    const measure = probe({
      reportUrl: reports.url,
      setup: [observeLongTasks, observeLongAnimationFrames],
      read: `async () => ({metrics: await (${readLoadMetrics})(${windowMs}), frames: (${readLongAnimationFrames})()})`,
      untilMs: windowMs + 200,
    });
    urls[`${page.id}:none`] = site.put(`/load-${page.id}-none.html`, page.html({head: measure}));
    urls[`${page.id}:tracker`] = site.put(`/load-${page.id}-tracker.html`, page.html({head: measure + snippet(true)}));
    urls[`${page.id}:late`] = site.put(`/load-${page.id}-late.html`, page.html({head: measure + snippet(false) + LATE_START}));
  }
  const failures = {};
  let samples;
  try {
    samples = await alternate({
      variants: Object.keys(urls),
      reps: options.pageLoadReps,
      warmup: options.warmup,
      onRound: (round) => progress(`page load ${round < 0 ? 'warm-up' : `${round + 1}/${options.pageLoadReps}`}`),
      run: async (variant) => {
        const windowMs = windows[variant.split(':')[0]];
        // A browser that did not start or report is tried once more.
        const report = (await reports.load(urls[variant], windowMs + 20_000)) ?? (await reports.load(urls[variant], windowMs + 20_000));
        if (!report) throw new Error(`figure 2: ${variant} loaded twice without a report`);
        const {metrics, frames} = report;
        if (!variant.endsWith(':none') && !(metrics.trackerActive === true && metrics.recordingStarted)) failures[variant] = (failures[variant] ?? 0) + 1;
        const {tasks, ...kept} = metrics;
        return {...kept, tracker: trackerFrames(frames, isTracker, windowMs, tasks, metrics.fcp)};
      },
    });
  } finally {
    await reports.stop();
  }

  const pick = (variant, read) => median(samples[variant].map(read));
  const metric = (key) => (sample) => sample[key];
  const range = (variant, read) => {
    const values = samples[variant].map(read).filter(Number.isFinite);
    return values.length ? `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}` : '—';
  };
  const rows = [];
  for (const page of PAGES) {
    const label = (text) => `${page.title}: ${text}`;
    const none = `${page.id}:none`;
    const tracker = `${page.id}:tracker`;
    const late = `${page.id}:late`;
    const windowMs = windows[page.id];
    const pageRows = [];
    for (const [key, text, goal] of [
      ['fcp', 'first contentful paint, median', {ratioMax: 1.02}],
      ['lcp', 'largest contentful paint, median', {ratioMax: 1.02}],
      ['load', 'load event, median', null],
    ]) {
      const baseline = pick(none, metric(key));
      const value = pick(tracker, metric(key));
      pageRows.push({metric: label(text), unit: 'ms', baseline, value, ratio: ratio(value, baseline), goal});
    }
    // Attributed: a paint waits for a script of the tracker's on the main
    // thread at most as long as it runs, so the page's FCP plus the tracker's
    // script time before it, whatever the page's own FCP does. That time is
    // what Long Animation Frames show: a script in a frame under 50 ms is
    // not in them, so this is not a bound.
    const fcpNone = pick(none, metric('fcp'));
    const beforePaint = pick(tracker, (sample) => sample.tracker.beforePaint);
    pageRows.push({
      metric: label('first contentful paint, attributed: without the tracker, plus its script time before it (frames over 50 ms), median'),
      unit: 'ms',
      baseline: fcpNone,
      value: beforePaint === null || fcpNone === null ? null : fcpNone + beforePaint,
      ratio: beforePaint === null || fcpNone === null ? null : ratio(fcpNone + beforePaint, fcpNone),
      goal: {ratioMax: 1.02},
      note: `snippet and start() in <head>: the tracker's script time in frames over 50 ms that began before first contentful paint, per load ${range(tracker, (sample) => sample.tracker.beforePaint)} ms, added to the median FCP without it; a script in a shorter frame is not seen`,
    });
    const tbtNone = pick(none, metric('tbt'));
    for (const [variant, text] of [
      [tracker, 'snippet and start() in <head>'],
      [late, 'late start (after load)'],
    ]) {
      const tbt = pick(variant, metric('tbt'));
      const tracked = (read) => (sample) => read(sample.tracker);
      pageRows.push({
        metric: label(`${text}: the tracker's longest task (Long Animation Frames script), median`),
        unit: 'ms',
        baseline: null,
        value: pick(variant, tracked((frames) => frames.longestScript)),
        ratio: null,
        goal: {valueMax: 50},
        note:
          `per load ${range(variant, tracked((frames) => frames.longestScript))} ms; ` +
          `the longest frame holding it ${pick(variant, tracked((frames) => frames.longestFrame))?.toFixed(0)} ms; ` +
          `forced style and layout in it ${pick(variant, tracked((frames) => frames.forcedStyleAndLayout))?.toFixed(1)} ms` +
          (samples[variant].some((sample) => sample.tracker.longestScript === null) ? '; no Long Animation Frames API' : ''),
      });
      if (variant === tracker) {
        pageRows.push({
          metric: label(`total blocking time, first ${windowMs / 1000} s, median`),
          unit: 'ms',
          baseline: tbtNone,
          value: tbt,
          ratio: ratio(tbt, tbtNone),
          note: `longest task ${pick(none, metric('longestTask'))?.toFixed(0)} ms without, ${pick(tracker, metric('longestTask'))?.toFixed(0)} ms with the tracker`,
        });
      }
      pageRows.push({
        metric: label(`${text}: blocking time of the tracker's own scripts (inside long tasks), median`),
        unit: 'ms',
        baseline: null,
        value: pick(variant, tracked((frames) => frames.blocking)),
        ratio: null,
        goal: {valueMax: 10},
        note:
          `per load ${range(variant, tracked((frames) => frames.blocking))} ms; its scripts' time inside long tasks, up to each task's time past 50 ms ` +
          `(lib/longAnimationFrames.mjs); does not move with the page's own layout; the looser bound by frames ${pick(variant, tracked((frames) => frames.frameBlocking))?.toFixed(1)} ms ` +
          `(per load ${range(variant, tracked((frames) => frames.frameBlocking))}); its script time before first contentful paint ${pick(variant, tracked((frames) => frames.beforePaint))?.toFixed(1)} ms ` +
          `(per load ${range(variant, tracked((frames) => frames.beforePaint))})`,
      });
      pageRows.push({
        metric: label(`${text}: total blocking time added (median with − median without)`),
        unit: 'ms',
        baseline: null,
        value: tbt === null || tbtNone === null ? null : tbt - tbtNone,
        ratio: null,
        goal: {valueMax: 10},
        note: `${tbtNone?.toFixed(0)} ms without, ${tbt?.toFixed(0)} ms with; per load ${range(variant, metric('tbt'))} ms`,
      });
    }
    const failed = [tracker, late].filter((variant) => failures[variant]).map((variant) => `${variant.split(':')[1]} ${failures[variant]}`);
    if (failed.length) pageRows[0].note = `tracker not active or no snapshot within the window: ${failed.join(', ')} load(s)`;
    rows.push(...pageRows);
  }
  return {rows, details: {reps: options.pageLoadReps, windowsMs: windows, failures, samples}};
}
