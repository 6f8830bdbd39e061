// The main thread's total task time so far, in ms (CDP Performance.getMetrics
// TaskDuration): call it before and after what is measured. Wall time by
// default; with `cpu`, the thread's CPU time in those tasks (CDP's threadTicks
// time domain), which another process taking the core does not inflate: on the
// shared 2-core bench machine, wall time of the same task varied 2-3x, CPU time
// by a few per cent.
export async function taskTimeProbe(page, {cpu = false} = {}) {
  const read = await metricsProbe(page, {cpu});
  return async () => (await read()).TaskDuration;
}

// Every metric of Performance.getMetrics × 1000 (durations in ms), as one reader:
// TaskDuration (the main thread's tasks), ProcessTime (CPU time of the whole
// renderer process, its workers included), ThreadTime (the main thread's CPU time).
export async function metricsProbe(page, {cpu = false} = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', cpu ? {timeDomain: 'threadTicks'} : {});
  return async () => {
    const {metrics} = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value * 1000]));
  };
}

// The main-thread task time of `expression` (JavaScript evaluated in the page,
// awaited if it is a promise) and of everything it leaves queued within
// `settleMs`, less the same measurement of an empty expression: what asking
// CDP and the settling wait cost by themselves. Medians of `reps` tries.
export async function taskTimeOf(page, expression, {reps = 3, settleMs = 150, cpu = false} = {}) {
  const taskTime = await taskTimeProbe(page, {cpu});
  const once = async (code) => {
    const before = await taskTime();
    await page.evaluate(`(async () => { await (${code}); await new Promise((resolve) => setTimeout(resolve, ${settleMs})); })()`);
    return (await taskTime()) - before;
  };
  const middle = (values) => values.sort((a, b) => a - b)[values.length >> 1];
  const empty = [];
  const full = [];
  for (let i = 0; i < reps; i++) {
    empty.push(await once('0'));
    full.push(await once(expression));
  }
  return Math.max(0, middle(full) - middle(empty));
}
