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
