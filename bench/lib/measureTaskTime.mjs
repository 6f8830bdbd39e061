// The main thread's total task time so far, in ms (CDP Performance.getMetrics
// TaskDuration): call it before and after what is measured.
export async function taskTimeProbe(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    const {metrics} = await cdp.send('Performance.getMetrics');
    return metrics.find((metric) => metric.name === 'TaskDuration').value * 1000;
  };
}

// The main-thread task time of `expression` (JavaScript evaluated in the page,
// awaited if it is a promise) and of everything it leaves queued within
// `settleMs`, less the same measurement of an empty expression: what asking
// CDP and the settling wait cost by themselves. Medians of `reps` tries.
export async function taskTimeOf(page, expression, {reps = 3, settleMs = 150} = {}) {
  const taskTime = await taskTimeProbe(page);
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
