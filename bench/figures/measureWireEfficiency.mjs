// Figure 5: bytes on the wire against the raw JSON of the same events. A
// scripted session on the dashboard with the snippet, delivering through a
// counting proxy to the local collector; `tracker.stop()` at the end sends
// what is buffered. Raw bytes are each batch's body once decompressed, so both
// sides count exactly the same events.
import {dashboardPage} from '../lib/dashboardPage.mjs';
import {ratio} from '../lib/ratio.mjs';
import {scriptedSession} from '../lib/scriptedSession.mjs';
import {snippetTag} from '../lib/snippetTag.mjs';
import {startCountingProxy} from '../lib/startCountingProxy.mjs';

export async function measureWireEfficiency({browser, site, collector, options, bundleUrl, progress}) {
  const proxy = await startCountingProxy(collector.url);
  const context = await browser.newContext();
  try {
    const url = site.put('/wire.html', dashboardPage({head: snippetTag({bundleUrl, ingestPoint: proxy.url, start: true})}));
    const page = await context.newPage();
    await page.goto(url, {waitUntil: 'load'});
    await page.waitForFunction(() => window.tracker.isActive && window.tracker.isActive(), null, {polling: 50, timeout: 15_000});
    progress(`wire efficiency: a ${options.sessionSeconds} s scripted session`);
    const steps = await scriptedSession(page, options.sessionSeconds);
    const sessionID = await page.evaluate(() => window.tracker.getSessionID());
    await page.evaluate(() => window.tracker.stop());
    const stats = await page.evaluate(() => window.tracker._stats());
    let storedBytes = null;
    try {
      const stored = await collector.session(sessionID);
      storedBytes = Buffer.byteLength(JSON.stringify(stored.pages.flatMap((p) => p.events ?? [])));
    } catch {
      // The read API is a cross-check only.
    }
    const {counts} = proxy;
    const rows = [
      {
        metric: `${options.sessionSeconds} s session: raw JSON ÷ bytes sent`,
        unit: 'bytes',
        baseline: counts.rawJsonBytes,
        value: counts.bodyBytes,
        ratio: ratio(counts.rawJsonBytes, counts.bodyBytes),
        goal: {ratioMin: 8},
        note: `${counts.batches} batches, ${counts.events} events; with HTTP headers ${ratio(counts.rawJsonBytes, counts.bodyBytes + counts.headerBytes + counts.preflightBytes).toFixed(1)}×`,
      },
    ];
    return {
      rows,
      details: {seconds: options.sessionSeconds, scriptedSteps: steps, sessionID, ...counts, storedBytes, recordedEvents: stats.recordedEvents, droppedEvents: stats.droppedEvents},
    };
  } finally {
    await context.close();
    await proxy.stop();
  }
}
