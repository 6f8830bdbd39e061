// Figure 2: what the snippet costs a page's load. The dashboard without a
// tracker against the same page with the snippet and `tracker.start()` pasted
// first in <head>, delivering to the local collector. Each load is a fresh
// browser context (cold cache, new connections, empty sessionStorage), the
// variants alternate, and each load is watched for 5 s (1 s in smoke mode).
import {alternate} from '../lib/alternate.mjs';
import {dashboardPage} from '../lib/dashboardPage.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';

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
        longestTask: tasks ? tasks.reduce((max, [, duration]) => Math.max(max, duration), 0) : null,
        trackerActive: window.tracker && typeof window.tracker.isActive === 'function' ? window.tracker.isActive() : null,
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

export async function measurePageLoad({browser, site, collector, options, bundleUrl, progress}) {
  const urls = {
    none: site.put('/load-none.html', dashboardPage()),
    tracker: site.put('/load-tracker.html', dashboardPage({head: snippetTag({bundleUrl, ingestPoint: collector.url, start: true})})),
  };
  let trackerFailures = 0;
  const samples = await alternate({
    variants: ['none', 'tracker'],
    reps: options.pageLoadReps,
    warmup: options.warmup,
    onRound: (round) => progress(`page load ${round < 0 ? 'warm-up' : `${round + 1}/${options.pageLoadReps}`}`),
    run: async (variant) => {
      const context = await browser.newContext();
      try {
        await context.addInitScript(observeLongTasks);
        const page = await context.newPage();
        await page.goto(urls[variant], {waitUntil: 'load'});
        const elapsed = await page.evaluate(() => performance.now());
        await page.waitForTimeout(Math.max(0, options.loadWindowMs + 200 - elapsed));
        const metrics = await page.evaluate(readLoadMetrics, options.loadWindowMs);
        if (variant === 'tracker' && metrics.trackerActive !== true) trackerFailures++;
        return metrics;
      } finally {
        await context.close();
      }
    },
  });

  const pick = (variant, key) => median(samples[variant].map((sample) => sample[key]));
  const rows = [];
  for (const [key, label, goal] of [
    ['fcp', 'first contentful paint', {ratioMax: 1.02}],
    ['lcp', 'largest contentful paint', {ratioMax: 1.02}],
    ['load', 'load event', null],
  ]) {
    const baseline = pick('none', key);
    const value = pick('tracker', key);
    rows.push({metric: `${label}, median`, unit: 'ms', baseline, value, ratio: ratio(value, baseline), goal});
  }
  const tbtBaseline = pick('none', 'tbt');
  const tbt = pick('tracker', 'tbt');
  rows.push({
    metric: `total blocking time, first ${options.loadWindowMs / 1000} s, median`,
    unit: 'ms',
    baseline: tbtBaseline,
    value: tbt,
    ratio: ratio(tbt, tbtBaseline),
    note: `longest task ${pick('none', 'longestTask')?.toFixed(0)} ms without, ${pick('tracker', 'longestTask')?.toFixed(0)} ms with the tracker`,
  });
  if (trackerFailures) rows[0].note = `tracker not active after ${trackerFailures} load(s)`;
  return {rows, details: {reps: options.pageLoadReps, windowMs: options.loadWindowMs, trackerFailures, samples}};
}
