// The scenarios every engine runs (issue #9): written once against the Tab
// adapter, run by the chromium, firefox and webkit projects alike. The
// errorSink fixture fails any of them on a page error or unhandled rejection.
import {readFileSync} from 'node:fs';
import {storedText} from '../helpers/storedText';
import {loginLink, startCollector, removeDir, type RunningCollector, type StoredSession} from '../helpers/collector';
import type {Site} from '../helpers/site';
import type {ErrorSink} from './errorSink';
import {startProxy} from '../helpers/proxy';
import {VITALS, type Tab} from './engine';
import {joinAsAgent, evWith, controlState, snapshotIdOf, type Ev, type LiveAgent} from './liveAgent';
import {
  test,
  expect,
  EXPECTED_ERROR,
  trackedPage,
  waitForSession,
  customEvents,
  startTracker,
  stopTracker,
  waitForRecording,
  waitFor,
  sleep,
} from './fixtures';

const TICKER = `<script>
  // Random text, so that gzip cannot shrink it.
  window.tick = function (n) {
    var p = document.createElement('p');
    p.textContent = 'tick ' + n + ' ' + Math.random().toString(36);
    document.body.appendChild(p);
    tracker.event('tick', {n: n});
  };
</script>`;

async function tick(tab: Tab, from: number, to: number, gapMs: number) {
  for (let n = from; n <= to; n++) {
    await tab.evaluate((i) => (window as any).tick(i), n);
    if (gapMs) await sleep(gapMs);
  }
}

const ticks = (session: StoredSession) =>
  customEvents(session, 'tracker.event')
    .filter((e) => e.data.payload.name === 'tick')
    .map((e) => e.data.payload.payload.n);

const range = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => from + i);

const payloads = (session: StoredSession, tag: string) => customEvents(session, tag).map((e) => e.data.payload);

// Errors thrown on purpose come from the page's own script: code a driver
// evaluates has no origin, so Chromium reports its errors as "Script error.".
const THROWER = `<script>
  window.throwSoon = function (message) { setTimeout(function () { throw new TypeError(message); }); };
  window.rejectSoon = function (message) { Promise.reject(new Error(message)); };
</script>`;

/** What a tab switch does, as far as web-vitals and the tracker can tell. */
const hidePage = () => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
};

test('the error guard reports a page error and an unhandled rejection', async ({tab, site, collector, errorSink}) => {
  // Without this, "no page error" in the other scenarios could pass unseen.
  await tab.goto(trackedPage(site, collector, errorSink, {head: THROWER}));
  await tab.evaluate(() => {
    (window as any).throwSoon('guard check: thrown');
    (window as any).rejectSoon('guard check: rejected');
  });
  await expect.poll(() => errorSink.errors.length).toBe(2);
  expect(errorSink.errors.join('\n')).toContain('guard check: thrown');
  expect(errorSink.errors.join('\n')).toContain('guard check: rejected');
  errorSink.errors.length = 0;
});

test('start() called before the bundle arrives resolves with a session', async ({tab, site, collector, errorSink}) => {
  site.options.bundleDelayMs = 1500;
  const early = `<script>
    window.early = {liveBefore: !!tracker._live};
    tracker.event('queued-early', {n: 1});
    tracker.start().then(function (result) { window.early.result = result; });
  </script>`;
  await tab.goto(trackedPage(site, collector, errorSink, {head: early}));
  await waitFor(tab, () => !!(window as any).early.result);
  const {liveBefore, result} = await tab.evaluate(() => (window as any).early);
  expect(liveBefore).toBe(false);
  expect(result.success).toBe(true);
  for (const field of ['sessionID', 'sessionToken', 'sessionHash', 'userUUID']) expect(typeof result[field]).toBe('string');
  await stopTracker(tab);
  const session = await waitForSession(collector, result.sessionID, (s) => customEvents(s, 'tracker.event').length === 1);
  expect(payloads(session, 'tracker.event')).toEqual([{name: 'queued-early', payload: {n: 1}}]);
});

test('a reload continues the session and forceNew starts a new one', async ({tab, site, collector, errorSink}) => {
  await tab.goto(trackedPage(site, collector, errorSink));
  const first = await startTracker(tab);
  await tab.reload();
  const second = await startTracker(tab);
  expect(second.sessionID).toBe(first.sessionID);
  const session = await collector.session(first.sessionID);
  expect(session.pages.map((p) => p.pageID)).toEqual([1, 2]);
  await tab.reload();
  const third = await startTracker(tab, {forceNew: true});
  expect(third.success).toBe(true);
  expect(third.sessionID).not.toBe(first.sessionID);
  expect(third.userUUID).toBe(first.userUUID);
});

test('sessionHash carries the session to another origin', async ({tab, site, otherSite, collector, errorSink}) => {
  await tab.goto(trackedPage(site, collector, errorSink));
  const first = await startTracker(tab);
  await tab.goto(trackedPage(otherSite, collector, errorSink, {path: '/checkout'}));
  const second = await startTracker(tab, {sessionHash: first.sessionHash});
  expect(await tab.evaluate(() => location.origin)).toBe(otherSite.origin);
  expect(second.sessionID).toBe(first.sessionID);
  const session = await collector.session(first.sessionID);
  expect(session.pages.map((p) => new URL(p.url).origin)).toEqual([site.origin, otherSite.origin]);
});

test('no typed password and no input value reaches any stored file', async ({tab, site, collector, errorSink}) => {
  const form = `<form><input id="name" type="text"><input id="email" type="email"><input id="pw" type="password" value="prefilled-Secret"></form>`;
  await tab.goto(trackedPage(site, collector, errorSink, {body: form, initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(tab);
  await waitForRecording(tab);
  await tab.type('#name', 'Ada Lovelace');
  await tab.type('#email', 'ada@example.com');
  await tab.type('#pw', 'hunter2-Pa55word');
  await stopTracker(tab);
  const session = await waitForSession(collector, result.sessionID, (s) =>
    (s.pages[0].events ?? []).some((e) => e.type === 3 && e.data.source === 5 && e.data.text === '*'.repeat('ada@example.com'.length)),
  );
  const raw = storedText(collector.dataDir);
  expect(raw.length).toBeGreaterThan(1000);
  for (const secret of ['hunter2', 'Pa55word', 'prefilled-Secret', 'Ada Lovelace', 'ada@example.com']) {
    expect(raw, `${secret} must not be stored`).not.toContain(secret);
  }
  const texts = session.pages[0].events!.filter((e) => e.type === 3 && e.data.source === 5).map((e) => e.data.text);
  expect(texts).toContain('*'.repeat('Ada Lovelace'.length));
  expect(texts).not.toContain('*'.repeat('hunter2-Pa55word'.length));
});

test('a collector stopped for 30 seconds loses nothing: every event stored once, in order', async ({tab, site, errorSink}) => {
  test.setTimeout(150_000);
  let collector: RunningCollector = await startCollector();
  const {dataDir, port} = collector;
  try {
    await tab.goto(trackedPage(site, collector, errorSink, {head: TICKER, initOptions: {flushIntervalMs: 500, maxRetryDelayMs: 4000}}));
    const result = await startTracker(tab);
    await tick(tab, 1, 10, 100);
    await collector.stop();
    await tick(tab, 11, 40, 1000); // 30 s without a collector
    collector = await startCollector({dataDir, port});
    await tick(tab, 41, 50, 100);
    await stopTracker(tab);
    const recorded = (await tab.evaluate(() => (window as any).tracker._stats())).recordedEvents;
    const session = await waitForSession(collector, result.sessionID, (s) => ticks(s).length >= 50, 60_000);
    expect(ticks(session)).toEqual(range(1, 50));
    const stored = session.pages.flatMap((p) => p.events ?? []).map((e) => JSON.stringify(e));
    expect(stored.length).toBe(recorded);
    expect(new Set(stored).size, 'no event stored twice').toBe(stored.length);
  } finally {
    await collector.stop();
    removeDir(dataDir);
  }
});

test('the last batch is stored when the tab closes right after a burst of typing', async ({tab, site, collector, errorSink}) => {
  const typed = 'a burst of typing right before closing';
  await tab.goto(trackedPage(site, collector, errorSink, {body: '<input id="name" type="text">'}));
  const result = await startTracker(tab);
  await waitForRecording(tab);
  await tab.type('#name', typed);
  await tab.evaluate(() => (window as any).tracker.event('closing'));
  await tab.close();
  const session = await waitForSession(collector, result.sessionID, (s) => payloads(s, 'tracker.event').some((p) => p.name === 'closing'));
  const inputs = session.pages[0].events!.filter((e) => e.type === 3 && e.data.source === 5);
  expect(inputs.length).toBeGreaterThan(0);
  expect(inputs[inputs.length - 1].data.text).toBe('*'.repeat(typed.length));
});

test('batches travel gzipped where CompressionStream exists, as plain JSON where not', async ({tab, site, collector, errorSink}) => {
  const gzipProxy = await startProxy(collector.url);
  const plainProxy = await startProxy(collector.url);
  try {
    expect(await tab.evaluate(() => typeof CompressionStream)).toBe('function');
    const text = {gzip: 'x'.repeat(20_000), plain: 'y'.repeat(20_000)};
    for (const [kind, proxy] of [['gzip', gzipProxy], ['plain', plainProxy]] as const) {
      const before = kind === 'plain' ? '<script>delete window.CompressionStream;</script>' : '';
      await tab.goto(trackedPage(site, collector, errorSink, {before, ingestPoint: proxy.url, path: `/${kind}`, initOptions: {flushIntervalMs: 200}}));
      const result = await startTracker(tab, {forceNew: true});
      await waitForRecording(tab);
      await tab.evaluate((t) => document.body.append(t), text[kind]);
      await stopTracker(tab);
      await waitForSession(collector, result.sessionID, (s) => JSON.stringify(s).includes(text[kind]));
    }
    // 20,000 repeated characters gzip to a few dozen bytes; plain JSON carries them all.
    expect(gzipProxy.batchBytes).toBeLessThan(10_000);
    expect(plainProxy.batchBytes).toBeGreaterThan(20_000);
  } finally {
    await gzipProxy.stop();
    await plainProxy.stop();
  }
});

test('web vitals are recorded as tracker.vital: each one this engine measures', async ({tab, engine, site, collector, errorSink}) => {
  const body = `<h1 id="hero" style="font-size:64px">The largest text on this page</h1>
    <button id="slow" onclick="var t=Date.now();while(Date.now()-t<120){};this.textContent='done'">slow button</button>`;
  await tab.goto(trackedPage(site, collector, errorSink, {body, initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(tab);
  await waitForRecording(tab);
  await tab.click('#slow');
  // web-vitals takes interactions in an idle callback, which a hide can
  // overtake; it reports again at every hide, so hide twice as a user would.
  await sleep(500);
  await tab.evaluate(hidePage);
  await sleep(500);
  await tab.evaluate(hidePage);
  await stopTracker(tab);
  const expected = VITALS[engine.name];
  const names = (s: StoredSession) => new Set(payloads(s, 'tracker.vital').map((p) => p.name));
  const session = await waitForSession(collector, result.sessionID, (s) => expected.every((name) => names(s).has(name)));
  expect([...names(session)].sort()).toEqual(expected);
  for (const vital of payloads(session, 'tracker.vital')) {
    expect(typeof vital.value).toBe('number');
    expect(['good', 'needs-improvement', 'poor']).toContain(vital.rating);
  }
});

test('errors, console, network and navigation are captured (SPEC 5), and the page sees what it would without the tracker', async ({tab, site, collector, errorSink}) => {
  site.handle('/api/data', (_request, response) => {
    response.writeHead(200, {'Content-Type': 'application/json'});
    response.end(JSON.stringify({items: [1, 2, 3]}));
  });
  site.handle('/api/missing', (_request, response) => {
    response.writeHead(404, {'Content-Type': 'application/json'});
    response.end(JSON.stringify({error: 'not here'}));
  });
  await tab.goto(trackedPage(site, collector, errorSink, {head: THROWER, initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(tab);
  await waitForRecording(tab);
  const seen = await tab.evaluate(async (marker) => {
    console.log('hello from the page', {step: 1});
    console.warn('careful');
    console.error('went wrong');
    const data = await (await fetch('/api/data')).json();
    const missing = (await fetch('/api/missing')).status;
    const xhr = await new Promise<{status: number; body: string; events: string[]}>((resolve) => {
      const request = new XMLHttpRequest();
      const events: string[] = [];
      request.onreadystatechange = () => events.push(`readystate ${request.readyState}`);
      request.onload = () => events.push('load');
      request.onloadend = () => resolve({status: request.status, body: request.responseText, events});
      request.open('GET', '/api/data');
      request.send();
    });
    history.pushState({}, '', '/next');
    location.hash = 'part';
    await new Promise((resolve) => addEventListener('hashchange', resolve, {once: true}));
    (window as any).throwSoon(`thrown ${marker}`);
    (window as any).rejectSoon(`rejected ${marker}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return {data, missing, xhr};
  }, EXPECTED_ERROR);
  // The page got its answers and its XHR events as without the tracker.
  expect(seen.data).toEqual({items: [1, 2, 3]});
  expect(seen.missing).toBe(404);
  expect(seen.xhr).toEqual({status: 200, body: '{"items":[1,2,3]}', events: ['readystate 1', 'readystate 2', 'readystate 3', 'readystate 4', 'load']});
  await stopTracker(tab);
  const session = await waitForSession(
    collector,
    result.sessionID,
    (s) => payloads(s, 'tracker.error').length >= 2 && payloads(s, 'tracker.navigation').length >= 2 && payloads(s, 'tracker.network').length >= 3,
  );
  const errors = payloads(session, 'tracker.error');
  expect(errors).toContainEqual(expect.objectContaining({kind: 'error', message: expect.stringContaining(`thrown ${EXPECTED_ERROR}`)}));
  expect(errors).toContainEqual(expect.objectContaining({kind: 'unhandledrejection', message: expect.stringContaining(`rejected ${EXPECTED_ERROR}`)}));
  const consoles = payloads(session, 'tracker.console');
  expect(consoles).toContainEqual({level: 'log', args: [expect.stringContaining('hello from the page'), expect.stringContaining('step')]});
  expect(consoles).toContainEqual({level: 'warn', args: ['careful']});
  expect(consoles).toContainEqual({level: 'error', args: ['went wrong']});
  const network = payloads(session, 'tracker.network');
  expect(network).toContainEqual(expect.objectContaining({method: 'GET', url: `${site.origin}/api/data`, status: 200, kind: 'fetch', durationMs: expect.any(Number)}));
  expect(network).toContainEqual(expect.objectContaining({url: `${site.origin}/api/missing`, status: 404, kind: 'fetch'}));
  expect(network).toContainEqual(expect.objectContaining({url: `${site.origin}/api/data`, status: 200, kind: 'xhr'}));
  // The tracker's own requests to the collector are not recorded.
  expect(network.filter((entry) => entry.url.startsWith(collector.url))).toEqual([]);
  const navigation = payloads(session, 'tracker.navigation');
  expect(navigation).toContainEqual({kind: 'pushState', url: `${site.origin}/next`});
  expect(navigation).toContainEqual({kind: 'hashchange', url: `${site.origin}/next#part`});
});

test('the viewer plays back a session recorded in the same engine', async ({tab, site, collector, errorSink}) => {
  test.setTimeout(90_000);
  const body = `<input id="name" type="text"><button id="add" onclick="var d=document.createElement('div');d.className='card';d.textContent='card';document.body.append(d)">add</button>`;
  await tab.goto(trackedPage(site, collector, errorSink, {body, initOptions: {flushIntervalMs: 200}}));
  const {sessionID} = await startTracker(tab);
  await waitForRecording(tab);
  await tab.type('#name', 'Grace Hopper');
  await tab.click('#add');
  await tab.click('#add');
  await sleep(300);
  await stopTracker(tab);
  await waitForSession(collector, sessionID, (s) => JSON.stringify(s).includes('"card"'));

  // Logged in as a person would: a one-time login link opens the viewer, which shows the list.
  await tab.goto(await loginLink(collector.url));
  await waitFor(tab, () => document.body.dataset.view === 'list', 30_000);
  await tab.goto(`${collector.url}/#/session/${sessionID}`);
  await waitFor(tab, () => document.body.dataset.replay === 'ready', 30_000);
  await tab.evaluate(() => {
    [...document.querySelectorAll('button')].find((button) => button.textContent?.trim() === '16x')!.click();
    (document.querySelector('.rr-controller__btns button') as HTMLButtonElement).click();
  });
  await waitFor(tab, () => document.body.dataset.replay === 'finished', 60_000);
  const replayed = await tab.evaluate(() => {
    const frame = (document.querySelector('#player iframe') as HTMLIFrameElement).contentDocument!;
    return {
      cards: frame.querySelectorAll('.card').length,
      name: (frame.querySelector('#name') as HTMLInputElement).value,
      html: frame.documentElement.outerHTML,
    };
  });
  expect(replayed.cards).toBe(2);
  expect(replayed.name).toBe('*'.repeat('Grace Hopper'.length));
  expect(replayed.html).not.toContain('Grace Hopper');
});

// ---- Assist (SPEC section 8): the page's side in this engine, the agent played
// by the test over the real collector's agent channel.

const ASSIST_FORM = `<h1 id="title">Your cart</h1><input id="name" type="text">
  <script>
    window.typed = [];
    document.getElementById('name').addEventListener('input', function (e) { window.typed.push(e.target.value); });
  </script>`;

/** A page with Assist on, started and recording, and an agent that has its first full snapshot. */
async function watchedPage(tab: Tab, site: Site, collector: RunningCollector, errorSink: ErrorSink): Promise<{agent: LiveAgent; snapshot: Ev}> {
  site.file('/tracker-assist.js', readFileSync('dist/tracker-assist.js', 'utf8'), 'text/javascript');
  await tab.goto(trackedPage(site, collector, errorSink, {body: ASSIST_FORM, initOptions: {assist: true}}));
  const {sessionID} = await startTracker(tab);
  await waitForRecording(tab);
  const agent = await joinAsAgent(collector.url, sessionID);
  // The page loads tracker-assist.js when the agent joins: slow engines take seconds.
  const snapshot = await agent.next<Ev>(evWith(2), 30_000);
  return {agent, snapshot};
}

// The consent dialog and the control bar live in an open shadow root, which
// the drivers' CSS selectors do not pierce: the buttons are pressed from the page.
const dialogShown = () => !!document.querySelector('[data-tracker-assist]')?.shadowRoot?.querySelector('[role=dialog]');

const pressAssistButton = (label: string) => {
  const root = document.querySelector('[data-tracker-assist]')!.shadowRoot!;
  const button = [...root.querySelectorAll('button')].find((b) => b.textContent === label && b.getClientRects().length > 0);
  if (!button) throw new Error(`no visible "${label}" button in the Assist UI`);
  button.click();
};

test('Assist: the page holds a live channel and, when an agent joins, sends a full snapshot and then its changes', async ({tab, site, collector, errorSink}) => {
  const {agent, snapshot} = await watchedPage(tab, site, collector, errorSink);
  expect(JSON.stringify(snapshot)).toContain('Your cart');
  await tab.evaluate(() => (document.getElementById('title')!.textContent = 'Changed live'));
  await agent.next(evWith(3, 'Changed live'));
  await agent.close();
});

test("Assist: control asks the user; allowed, the agent's typing reaches an input; End control ends it", async ({tab, site, collector, errorSink}) => {
  const {agent, snapshot} = await watchedPage(tab, site, collector, errorSink);
  const name = snapshotIdOf(snapshot, 'name');
  expect(name, 'the input is in the snapshot').not.toBeNull();
  agent.send({t: 'control', action: 'request'});
  await waitFor(tab, dialogShown);
  await tab.evaluate(pressAssistButton, 'Allow');
  await agent.next(controlState('allowed'));
  expect(await tab.evaluate(dialogShown)).toBe(false);

  agent.send({t: 'input', input: {kind: 'type', id: name!, text: 'Ada'}});
  await waitFor(tab, () => (document.getElementById('name') as HTMLInputElement).value === 'Ada');
  expect(await tab.evaluate(() => (window as any).typed)).toEqual(['Ada']);

  await tab.evaluate(pressAssistButton, 'End control');
  await agent.next(controlState('ended'));
  await agent.close();
});

test('Assist: denied control applies no input', async ({tab, site, collector, errorSink}) => {
  const {agent, snapshot} = await watchedPage(tab, site, collector, errorSink);
  const name = snapshotIdOf(snapshot, 'name');
  agent.send({t: 'control', action: 'request'});
  await waitFor(tab, dialogShown);
  await tab.evaluate(pressAssistButton, 'Deny');
  await agent.next(controlState('denied'));

  agent.send({t: 'input', input: {kind: 'type', id: name!, text: 'Ada'}});
  // Frames reach the page in order: once the next request shows its dialog, the input had its turn.
  agent.send({t: 'control', action: 'request'});
  await waitFor(tab, dialogShown);
  expect(await tab.evaluate(() => ({value: (document.getElementById('name') as HTMLInputElement).value, typed: (window as any).typed}))).toEqual({value: '', typed: []});
  await tab.evaluate(pressAssistButton, 'Deny');
  await agent.next(controlState('denied'));
  await agent.close();
});
