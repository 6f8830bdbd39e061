// Figure 11: live sessions (Assist, SPEC section 8), end to end with the real
// components: the tracked page in Chromium with `assist: true` (and
// dist/tracker-assist.js beside the bundle), the collector's relay, and the
// viewer's live view (`#/live/<sessionID>`) in a second Chromium context.
//
// (a) Join time and change lag. The user's page is the dashboard of figure 2
//     (about 5,600 nodes, numbers changing every second) with a probe heading
//     on top. Join: from setting the viewer's hash to `#/live/<id>` until the
//     replay iframe shows the heading's current text (set just before, while
//     nobody watched, so only a fresh snapshot can show it). Change lag: the
//     user's page sets the heading's text (its `Date.now()`), the viewer polls
//     its iframe at every animation frame and records
//     `performance.timeOrigin + performance.now()` when the text is there.
//     Both are the same machine's clock; the viewer's offset between the two
//     readings is kept in the details. A rAF poll sees a change at most one
//     frame (16.7 ms) after it is in the iframe's DOM.
// (b) Main-thread cost, measured as figure 3 measures it (CDP TaskDuration as
//     CPU time, from the workload's start over one window that holds its
//     delivery): the tracker recording alone; with `assist: true` and no agent
//     (the channel's heartbeat only); with an agent watching (a Node client
//     on /api/live/<id>, so that no viewer shares the machine's cores), which
//     makes the page stream every event to the relay. Alternated, medians.
//     The flush interval is 1 s in every variant, to keep the runs short: the
//     storage delivery is the same in all three, and the window holds it.
// (c) 10,000 idle live channels on one collector of its own (handshake limits
//     lifted): a Node load process (this one) opens them with `ws`, each a
//     hello with a valid session token, then a heartbeat every 25 s as the
//     tracker sends it; the collector's RSS (/proc/<pid>/status VmRSS) and CPU
//     over the idle window.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {WebSocket} from 'ws';
import {alternate} from '../lib/alternate.mjs';
import {dashboardPage} from '../lib/dashboardPage.mjs';
import {metricsProbe} from '../lib/measureTaskTime.mjs';
import {median} from '../lib/median.mjs';
import {mutationPage, mutationScenarios} from '../lib/mutationScenarios.mjs';
import {ratio} from '../lib/ratio.mjs';
import {seededRandom} from '../lib/seededRandom.mjs';
import {snippetTag, PROJECT_KEY} from '../lib/snippetTag.mjs';
import {ADMIN_HEADERS, ADMIN_KEY, startCollector} from '../lib/startCollector.mjs';
import {runWorkload, startVariant} from './measureRecordingOverhead.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const wsUrl = (url, path) => url.replace(/^http/, 'ws') + path;

/** Nearest-rank percentile (p in 0..100) of finite values; null when there are none. */
export function percentile(values, p) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function waitUntil(check, ms, what) {
  const began = Date.now();
  while (!(await check())) {
    if (Date.now() - began > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(50);
  }
}

async function isLive(collectorUrl, sessionID) {
  const response = await fetch(`${collectorUrl}/api/live`, {headers: ADMIN_HEADERS});
  if (!response.ok) throw new Error(`GET /api/live: ${response.status} ${await response.text()}`);
  const {sessions} = await response.json();
  return sessions.some((session) => session.sessionID === sessionID && session.tabs.length > 0);
}

// ---- (a) join time and change lag

const PROBE = 'live-probe';

// In the viewer: resolves with the time (this page's clock) at which the
// replay iframe's probe first shows `text`, looked at every animation frame.
const seenAt = (text, timeoutMs) =>
  new Promise((resolve, reject) => {
    const began = performance.now();
    const look = () => {
      const doc = document.querySelector('#live-stage iframe')?.contentDocument;
      if (doc?.getElementById('live-probe')?.textContent === text) return resolve(performance.timeOrigin + performance.now());
      if (performance.now() - began > timeoutMs) return reject(new Error(`the live view did not show ${JSON.stringify(text)} within ${timeoutMs} ms`));
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });

async function measureJoinAndLag({browser, site, collector, bundleUrl, options, progress}) {
  const joins = options.smoke ? 2 : 10;
  const changes = options.smoke ? 5 : 40;
  const head = snippetTag({bundleUrl, ingestPoint: collector.url, options: {assist: true}});
  const html = dashboardPage({head}).replace('<main>', `<main><h1 id="${PROBE}">ready</h1>`);
  if (!html.includes(PROBE)) throw new Error('the dashboard page has no <main> to put the probe in');
  const url = site.put('/live-user.html', html);

  // Two contexts, two windows: both pages stay visible (a hidden page's timers
  // are throttled, and the live view draws on animation frames).
  const userContext = await browser.newContext({viewport: {width: 1280, height: 720}});
  const agentContext = await browser.newContext({viewport: {width: 1400, height: 900}});
  try {
    const user = await userContext.newPage();
    await user.goto(url, {waitUntil: 'load'});
    await user.evaluate(startVariant, {variant: 'tracker', settleMs: 0});
    const sessionID = await user.evaluate(() => window.tracker.getSessionID());
    await waitUntil(() => isLive(collector.url, sessionID), 10_000, `session ${sessionID} listed live`);

    const login = await agentContext.request.post(`${collector.url}/api/login`, {data: {key: ADMIN_KEY}});
    if (!login.ok()) throw new Error(`viewer login: ${login.status()} ${await login.text()}`);
    const viewer = await agentContext.newPage();
    await viewer.goto(`${collector.url}/#/live`, {waitUntil: 'load'});
    await viewer.locator(`tr[data-live-session="${sessionID}"]`).waitFor({timeout: 10_000});
    await viewer.bringToFront();
    // The viewer's CSP allows no eval: the poll is put in the page once, as an evaluated expression.
    await viewer.evaluate(`window.__benchSeenAt = ${seenAt}`);

    const random = seededRandom(11);
    const joinMs = [];
    for (let i = 0; i < joins; i++) {
      // Leave the view: the tracker stops streaming once no agent watches.
      if (i > 0) {
        await viewer.evaluate(() => (location.hash = '#/live'));
        await viewer.locator(`tr[data-live-session="${sessionID}"]`).waitFor({timeout: 10_000});
        await sleep(500);
      }
      const text = `join ${i}`;
      await user.evaluate(([id, text]) => (document.getElementById(id).textContent = text), [PROBE, text]);
      joinMs.push(
        await viewer.evaluate(async ({sessionID, text}) => {
          const began = performance.timeOrigin + performance.now();
          location.hash = `#/live/${sessionID}`;
          return (await window.__benchSeenAt(text, 10_000)) - began;
        }, {sessionID, text}),
      );
    }
    progress(`live: ${joins} joins, median ${median(joinMs).toFixed(0)} ms`);

    const visibility = {user: await user.evaluate(() => document.visibilityState), viewer: await viewer.evaluate(() => document.visibilityState)};
    const lagMs = [];
    const clockOffsetMs = [];
    for (let i = 0; i < changes; i++) {
      await sleep(200 + Math.round(random() * 200));
      const text = `change ${i}`;
      await viewer.evaluate((text) => {
        window.__benchSeen = window.__benchSeenAt(text, 5000);
        window.__benchSeen.catch(() => {});
      }, text);
      const changedAt = await user.evaluate(([id, text]) => {
        const at = Date.now();
        document.getElementById(id).textContent = text;
        return at;
      }, [PROBE, text]);
      const shownAt = await viewer.evaluate(() => window.__benchSeen);
      lagMs.push(shownAt - changedAt);
      clockOffsetMs.push(await viewer.evaluate(() => Date.now() - (performance.timeOrigin + performance.now())));
    }
    progress(`live: ${changes} changes, p50 ${percentile(lagMs, 50).toFixed(0)} ms, p95 ${percentile(lagMs, 95).toFixed(0)} ms`);
    const relayLag = await collector.metric('collector_live_relay_lag_seconds_sum');
    const relayed = await collector.metric('collector_live_relay_lag_seconds_count');
    return {sessionID, joinMs, lagMs, clockOffsetMs, visibility, relayLagMeanMs: relayed ? (relayLag / relayed) * 1000 : null};
  } finally {
    await agentContext.close();
    await userContext.close();
  }
}

// ---- (b) main-thread cost

const VARIANTS = ['recording', 'assist', 'watched'];
const SETTLE_MS = 1000;
const FLUSH_INTERVAL_MS = 1000;
const windowMs = (smoke) => (smoke ? 1500 : FLUSH_INTERVAL_MS + 2000);
// A workload that adds nodes (every one goes to the agent) and one that only changes attributes.
const COST_SCENARIOS = ['add-1000x10', 'class-10000'];

/** A Node agent watching `sessionID`, resolved once the first full snapshot reached it. */
async function watchFromNode(collectorUrl, sessionID) {
  const socket = new WebSocket(wsUrl(collectorUrl, `/api/live/${encodeURIComponent(sessionID)}`), {headers: ADMIN_HEADERS});
  const agent = {socket, frames: 0, bytes: 0, events: 0};
  let snapshot;
  const gotSnapshot = new Promise((resolve, reject) => {
    snapshot = resolve;
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`the agent upgrade was answered ${res.statusCode}`)));
    socket.once('close', (code) => reject(new Error(`the agent channel closed (${code}) before a snapshot came`)));
  });
  socket.on('message', (data) => {
    agent.frames++;
    agent.bytes += data.length;
    const frame = JSON.parse(data.toString());
    if (frame.t !== 'ev') return;
    agent.events += frame.events.length;
    if (frame.events.some((event) => event.type === 2)) snapshot();
  });
  await withTimeout(gotSnapshot, 10_000, 'the agent’s first snapshot');
  socket.removeAllListeners('close');
  socket.on('error', () => {});
  return agent;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not come within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

async function measureCost({browser, site, collector, bundleUrl, options, progress}) {
  site.put(new URL('tracker-worker.js', bundleUrl).pathname, readFileSync('dist/tracker-worker.js'));
  const trackerOptions = {flushIntervalMs: options.smoke ? 200 : FLUSH_INTERVAL_MS};
  const heads = {
    recording: snippetTag({bundleUrl, ingestPoint: collector.url, options: trackerOptions}),
    assist: snippetTag({bundleUrl, ingestPoint: collector.url, options: {...trackerOptions, assist: true}}),
  };
  heads.watched = heads.assist;
  const window_ = windowMs(options.smoke);
  const settleMs = options.smoke ? 0 : SETTLE_MS;
  const scenarios = mutationScenarios.filter(({id}) => (options.smoke ? COST_SCENARIOS.slice(0, 1) : COST_SCENARIOS).includes(id));
  const results = [];
  for (const scenario of scenarios) {
    const urls = Object.fromEntries(VARIANTS.map((variant) => [variant, site.put(`/live-${scenario.id}-${variant}.html`, mutationPage(scenario, heads[variant]))]));
    const samples = await alternate({
      variants: VARIANTS,
      reps: options.mutationReps,
      warmup: options.warmup,
      run: async (variant) => {
        const context = await browser.newContext();
        let agent = null;
        try {
          const page = await context.newPage();
          await page.goto(urls[variant], {waitUntil: 'load'});
          await page.evaluate(startVariant, {variant: 'tracker', settleMs: 0});
          const sessionID = await page.evaluate(() => window.tracker.getSessionID());
          if (variant !== 'recording') await waitUntil(() => isLive(collector.url, sessionID), 10_000, `session ${sessionID} listed live`);
          if (variant === 'watched') agent = await watchFromNode(collector.url, sessionID);
          // The same start in every variant: what was recorded (the agent's snapshot too) is delivered, then the page settles.
          await page.evaluate(async (settleMs) => {
            while (window.tracker._stats().bufferedBytes) await new Promise((resolve) => setTimeout(resolve, 20));
            await new Promise((resolve) => setTimeout(resolve, settleMs));
            await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
            await new Promise((resolve) => setTimeout(resolve, 50));
          }, settleMs);
          const metrics = await metricsProbe(page, {cpu: true});
          const sentBefore = await page.evaluate(() => window.tracker._stats().sentBatches);
          const agentBefore = agent && {bytes: agent.bytes, events: agent.events};
          const before = await metrics();
          const timing = await page.evaluate(runWorkload, window_);
          let after = await metrics();
          const delivered = () => page.evaluate((sent) => window.tracker._stats().sentBatches > sent && !window.tracker._stats().bufferedBytes, sentBefore);
          let late = false;
          if (!(await delivered())) {
            late = true;
            await page.waitForFunction((sent) => window.tracker._stats().sentBatches > sent && !window.tracker._stats().bufferedBytes, sentBefore, {polling: 250, timeout: 20_000});
            after = await metrics();
          }
          return {
            ...timing,
            total: after.TaskDuration - before.TaskDuration,
            process: after.ProcessTime - before.ProcessTime,
            ...(late ? {late} : {}),
            ...(agent ? {agentBytes: agent.bytes - agentBefore.bytes, agentEvents: agent.events - agentBefore.events} : {}),
          };
        } finally {
          agent?.socket.close();
          await context.close();
        }
      },
    });
    progress(`live: main-thread cost, ${scenario.title} done`);
    const total = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((s) => s.total))]));
    const processTime = Object.fromEntries(VARIANTS.map((variant) => [variant, median(samples[variant].map((s) => s.process))]));
    results.push({scenario, total, processTime, samples, agentBytes: median(samples.watched.map((s) => s.agentBytes))});
  }
  return {results, windowMs: window_, flushIntervalMs: trackerOptions.flushIntervalMs};
}

// ---- (c) idle channels

const HEARTBEAT_MS = 25_000;
const TABS_PER_SESSION = 10;
// The handshake limits are lifted to make the sessions quickly. The
// connection caps are the defaults: live channels do not count against the
// cap for requests (--max-connections), and their own cap is 20,000.
const IDLE_ARGS = ['--handshakes-per-address', '0', '--handshakes-per-project', '0', '--new-sessions-per-minute', '0'];

function rssBytes(pid) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function handshakes(collectorUrl, count, concurrency = 16) {
  const grants = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const response = await fetch(`${collectorUrl}/v1/web/start`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({projectKey: PROJECT_KEY, url: `http://127.0.0.1/live/${n}`, referrer: '', viewport: {width: 1280, height: 720}, timestamp: Date.now(), trackerVersion: 'bench'}),
      });
      if (!response.ok) throw new Error(`handshake ${response.status}: ${await response.text()}`);
      grants[n] = await response.json();
    }
  };
  await Promise.all(Array.from({length: concurrency}, worker));
  return grants;
}

/** One tab's channel: resolves once open and its hello sent; `closed` records how it ended. */
function openChannel(collectorUrl, grant, tab, state) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(collectorUrl, '/v1/web/live'), {perMessageDeflate: false});
    const channel = {socket, closeCode: null};
    socket.once('open', () => {
      socket.send(JSON.stringify({t: 'hello', token: grant.sessionToken, tab, pageID: grant.pageID, url: `http://127.0.0.1/live/${tab}`, visible: true}));
      resolve(channel);
    });
    socket.once('unexpected-response', (_req, res) => reject(new Error(`the tracker upgrade was answered ${res.statusCode}`)));
    socket.on('error', (error) => {
      state.errors[error.code ?? error.message] = (state.errors[error.code ?? error.message] ?? 0) + 1;
      if (socket.readyState === WebSocket.CONNECTING) reject(error);
    });
    socket.on('message', () => state.framesReceived++);
    socket.once('close', (code) => {
      channel.closeCode = code;
      state.closes[code] = (state.closes[code] ?? 0) + 1;
    });
  });
}

async function measureIdleChannels({options, progress, tmp}) {
  const channelCount = options.smoke ? 1000 : 10_000;
  const idleMs = options.smoke ? 5000 : 60_000;
  const sessionCount = Math.ceil(channelCount / TABS_PER_SESSION);
  const collector = await startCollector({dataDir: join(tmp, 'collector-live-idle'), args: IDLE_ARGS});
  const channels = [];
  let beats;
  try {
    const began = Date.now();
    const grants = await handshakes(collector.url, sessionCount);
    const handshakeMs = Date.now() - began;
    await sleep(1000);
    const rssBefore = rssBytes(collector.pid);
    const state = {errors: {}, closes: {}, framesReceived: 0};
    const opening = Date.now();
    // Opened a few hundred at a time, as tabs would arrive.
    for (let i = 0; i < channelCount; i += 200) {
      const batch = [];
      for (let j = i; j < Math.min(channelCount, i + 200); j++) batch.push(openChannel(collector.url, grants[j % sessionCount], `tab-${j}`, state));
      channels.push(...(await Promise.all(batch)));
    }
    await waitUntil(async () => (await collector.metric('collector_live_tabs')) >= channelCount, 60_000, `${channelCount} tabs live`);
    const openMs = Date.now() - opening;
    progress(`live: ${channelCount} channels open in ${(openMs / 1000).toFixed(1)} s`);

    // A heartbeat every 25 s per channel, spread evenly: one twenty-fifth of them each second.
    let tick = 0;
    let heartbeatsSent = 0;
    beats = setInterval(() => {
      const slot = tick++ % (HEARTBEAT_MS / 1000);
      for (let i = slot; i < channels.length; i += HEARTBEAT_MS / 1000) {
        const {socket} = channels[i];
        if (socket.readyState !== WebSocket.OPEN) continue;
        socket.send(JSON.stringify({t: 'hb', url: `http://127.0.0.1/live/tab-${i}`, visible: true}));
        heartbeatsSent++;
      }
    }, 1000);

    // Let the opening's garbage settle, then the idle window.
    await sleep(options.smoke ? 1000 : 5000);
    const rssOpen = rssBytes(collector.pid);
    const cpuBefore = collector.cpuSeconds();
    const loadCpuBefore = process.cpuUsage();
    const windowBegan = Date.now();
    const rss = [];
    while (Date.now() - windowBegan < idleMs) {
      await sleep(1000);
      rss.push(rssBytes(collector.pid));
    }
    const seconds = (Date.now() - windowBegan) / 1000;
    const cpuAfter = collector.cpuSeconds();
    const loadCpu = process.cpuUsage(loadCpuBefore);
    clearInterval(beats);
    const stillOpen = channels.filter(({socket}) => socket.readyState === WebSocket.OPEN).length;
    const liveTabs = await collector.metric('collector_live_tabs');
    const status = readFileSync(`/proc/${collector.pid}/status`, 'utf8');
    const peak = Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1]) * 1024 || null;
    return {
      channels: channelCount,
      sessions: sessionCount,
      tabsPerSession: TABS_PER_SESSION,
      idleSeconds: seconds,
      handshakeMs,
      openMs,
      rssBeforeChannels: rssBefore,
      rssAfterOpening: rssOpen,
      rssEnd: rss[rss.length - 1],
      rssMax: Math.max(...rss),
      rssPeakEver: peak,
      rssSamples: rss,
      cpuPercentOfCore: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) / seconds) * 100,
      loadProcessCpuPercent: ((loadCpu.user + loadCpu.system) / 1e6 / seconds) * 100,
      heartbeatsSent,
      stillOpen,
      liveTabs,
      framesReceived: state.framesReceived,
      // Copies: the channels closed at the end must not show here.
      closes: {...state.closes},
      errors: {...state.errors},
    };
  } finally {
    clearInterval(beats);
    for (const {socket} of channels) socket.terminate();
    await collector.stop();
  }
}

// ---- the figure

const MB = 1024 * 1024;

export async function measureLive(context) {
  const {site, bundleUrl, options, progress} = context;
  site.put(new URL('tracker-assist.js', bundleUrl).pathname, readFileSync('dist/tracker-assist.js'));
  const rows = [];
  const details = {};

  const live = await measureJoinAndLag(context);
  details.latency = live;
  const lagNote = `${live.lagMs.length} changes to a 5,600-node page, loopback; rAF-polled (±1 frame)`;
  rows.push(
    {metric: 'join: open the live view until the current page shows, p50', unit: 'ms', baseline: null, value: percentile(live.joinMs, 50), note: `${live.joinMs.length} joins; SPEC: within 2 s`},
    {metric: 'join: p95', unit: 'ms', baseline: null, value: percentile(live.joinMs, 95), goal: {valueMax: 2000}, note: 'SPEC section 8: within 2 s'},
    {metric: 'change lag: user page change until shown to the agent, p50', unit: 'ms', baseline: null, value: percentile(live.lagMs, 50), note: lagNote},
    {
      metric: 'change lag: p95',
      unit: 'ms',
      baseline: null,
      value: percentile(live.lagMs, 95),
      goal: {valueMax: 250},
      note: `max ${Math.max(...live.lagMs).toFixed(0)} ms; relay alone ${live.relayLagMeanMs === null ? '?' : live.relayLagMeanMs.toFixed(1)} ms mean`,
    },
  );

  const cost = await measureCost(context);
  details.cost = {windowMs: cost.windowMs, flushIntervalMs: cost.flushIntervalMs, reps: options.mutationReps, scenarios: {}};
  for (const {scenario, total, processTime, samples, agentBytes} of cost.results) {
    rows.push(
      {
        metric: `${scenario.title}: total main-thread time, assist on (no agent) / off`,
        unit: 'ms',
        baseline: total.recording,
        value: total.assist,
        ratio: ratio(total.assist, total.recording),
        goal: {ratioMax: 1.01},
        note: `${(cost.windowMs / 1000).toFixed(1)} s from the workload's start, delivery included; renderer CPU ${ratio(processTime.assist, processTime.recording)?.toFixed(3)}×`,
      },
      {
        metric: `${scenario.title}: total main-thread time, an agent watching / recording alone`,
        unit: 'ms',
        baseline: total.recording,
        value: total.watched,
        ratio: ratio(total.watched, total.recording),
        goal: {ratioMax: 1.1},
        note: `${agentBytes === null ? '?' : (agentBytes / 1024).toFixed(0)} KiB relayed to the agent; renderer CPU ${ratio(processTime.watched, processTime.recording)?.toFixed(3)}×`,
      },
    );
    details.cost.scenarios[scenario.id] = {title: scenario.title, medians: {total, process: processTime}, samples};
  }

  const idle = await measureIdleChannels(context);
  details.idle = idle;
  const channels = idle.channels.toLocaleString('en-US');
  const lost = idle.channels - idle.stillOpen;
  rows.push(
    {
      metric: `${channels} idle live channels: collector RSS`,
      unit: 'MB',
      baseline: idle.rssBeforeChannels / MB,
      value: idle.rssEnd / MB,
      goal: {valueMax: 300},
      note: `baseline: ${idle.sessions} sessions, no channel; max ${(idle.rssMax / MB).toFixed(0)} MB over ${idle.idleSeconds.toFixed(0)} s; ${lost ? `${lost} CHANNELS LOST` : 'all still open'}`,
    },
    {
      metric: `${channels} idle live channels: collector CPU, % of a core`,
      unit: 'percent',
      baseline: null,
      value: idle.cpuPercentOfCore,
      goal: {valueMax: 5},
      note: `${idle.idleSeconds.toFixed(0)} s, a heartbeat every 25 s each (${idle.heartbeatsSent.toLocaleString('en-US')} sent); tabs are not pinged`,
    },
  );
  return {rows, details};
}
