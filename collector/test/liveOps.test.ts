// Assist in operation (collector/live/): slow agents, the audit log and logs,
// /metrics, limits and shutdown.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {hashSecret, type AccessKey} from '../access/accessKeys';
import {ADMIN, collectorFor, getJson, startSession} from './helpers';
import {WebSocket} from 'ws';
import {connectAgent, connectTracker, eventually, listed, sleep, watch, wsUrl} from './liveHelpers';

const VIEWER_KEY = 'ops-viewer-key-0123456789abcdef';
const keys: AccessKey[] = [{name: 'watcher', role: 'viewer', projects: null, hash: hashSecret(VIEWER_KEY)}];
const VIEWER = {Authorization: `Bearer ${VIEWER_KEY}`};

/** The value of one sample of the Prometheus text format (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const scrape = async (url: string) => (await fetch(`${url}/metrics`, {headers: ADMIN})).text();

test('an agent that stops reading slows neither the tracker nor another agent, its buffer stays bounded, and it is resynced once it drains', async () => {
  const bound = 256 * 1024;
  const {url} = await collectorFor({keys, live: {agentBufferedBytes: bound}});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  const slow = await watch(url, grant.sessionID, ADMIN);
  const fast = await watch(url, grant.sessionID, VIEWER);
  await tracker.next((frame) => frame.t === 'agents' && frame.agents.length === 2);
  slow.socket.pause();

  // The tracker sends 12.5 MiB, two frames at a time as the other agent takes
  // them: its own send buffer then stays under the bound whatever the
  // machine's socket buffers, so that any frame it misses is the relay's fault.
  const frameBytes = 64 * 1024;
  const frames = 200;
  const padding = 'x'.repeat(frameBytes);
  for (let n = 0; n < frames; n += 2) {
    tracker.send({t: 'ev', events: [{type: 3, timestamp: n, data: {n, padding}}]});
    tracker.send({t: 'ev', events: [{type: 3, timestamp: n + 1, data: {n: n + 1, padding}}]});
    await fast.next((frame) => frame.t === 'ev' && frame.events[0].data.n === n + 1, 5000);
  }
  const evs = (channel: {received: any[]}) => channel.received.filter((frame) => frame.t === 'ev').map((frame) => frame.events[0].data.n);
  assert.deepEqual(evs(fast), [...Array(frames).keys()], 'the other agent got every frame, in order, while the stalled one read nothing');
  assert.equal(evs(slow).length, 0);
  assert.equal(tracker.socket.readyState, WebSocket.OPEN, 'the tracker channel is still open');

  const metrics = await scrape(url);
  const buffered = sample(metrics, 'collector_live_agent_buffered_bytes');
  assert.ok(buffered > 0 && buffered <= bound + 2 * frameBytes, `the stalled agent's send buffer is ${buffered} bytes`);
  assert.ok(sample(metrics, 'collector_live_frames_dropped_total') > 0, 'frames for the stalled agent were dropped');

  const snapshotsBefore = tracker.received.filter((frame) => frame.t === 'snapshot').length;
  slow.socket.resume();
  await eventually(() => tracker.received.filter((frame) => frame.t === 'snapshot').length > snapshotsBefore, 5000, 'a snapshot asked for the drained agent');
  await slow.next((frame) => frame.t === 'tabs', 5000);
});

test('each view and each control grant is in the audit log, with how long they lasted', async () => {
  const {url} = await collectorFor({keys});
  const grant = await startSession(url, {userID: 'audited-user'});
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  const agent = await watch(url, grant.sessionID, ADMIN);
  agent.send({t: 'control', action: 'request'});
  await tracker.next({t: 'control', action: 'request'});
  tracker.send({t: 'control', state: 'allowed', agent: 'admin'});
  await agent.next({t: 'control', state: 'allowed'});
  agent.send({t: 'control', action: 'end'});
  await tracker.next({t: 'control', action: 'end'});
  await agent.close();
  await eventually(async () => (await getJson(url, `/api/audit?sessionID=${grant.sessionID}`)).json.entries.length === 4, 2000, 'four audit entries');
  const entries = (await getJson(url, `/api/audit?sessionID=${grant.sessionID}`)).json.entries.reverse();
  assert.deepEqual(entries.map((entry: any) => entry.action), ['live_view', 'control_granted', 'control_ended', 'live_view_ended']);
  for (const entry of entries) {
    assert.equal(entry.actor, 'admin');
    assert.equal(entry.userID, 'audited-user');
    assert.equal(entry.projectKey, 'demo');
  }
  assert.match(entries[2].detail, /after \d+ s/);
  assert.match(entries[3].detail, /for \d+ s/);
});

test('/metrics shows live sessions, tabs, agents, relayed frames and bytes, relay lag, views and control grants', async () => {
  const {url} = await collectorFor({keys});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  const agent = await watch(url, grant.sessionID, ADMIN);
  await tracker.next({t: 'snapshot'});
  tracker.send({t: 'ev', events: [{type: 2, timestamp: 1}]});
  await agent.next({t: 'ev'});
  agent.send({t: 'control', action: 'request'});
  await tracker.next({t: 'control'});
  tracker.send({t: 'control', state: 'allowed', agent: 'admin'});
  await agent.next({t: 'control', state: 'allowed'});
  const text = await scrape(url);
  assert.equal(sample(text, 'collector_live_sessions'), 1);
  assert.equal(sample(text, 'collector_live_tabs'), 1);
  assert.equal(sample(text, 'collector_live_agents'), 1);
  assert.equal(sample(text, 'collector_live_views_total'), 1);
  assert.equal(sample(text, 'collector_live_control_grants_total'), 1);
  assert.equal(sample(text, 'collector_live_messages_relayed_total', 'direction="to_agent"'), 1);
  assert.ok(sample(text, 'collector_live_bytes_relayed_total', 'direction="to_agent"') > 0);
  assert.equal(sample(text, 'collector_live_messages_relayed_total', 'direction="to_tracker"'), 1, 'the control request');
  assert.equal(sample(text, 'collector_live_relay_lag_seconds_count'), 1);
  assert.ok(sample(text, 'collector_http_requests_total', 'route="/api/live/:sessionID",method="GET",status="101"') >= 1, 'upgrades are counted by route');
});

test('a tracker channel sending more frames a second than allowed is closed 4429', async () => {
  const {url} = await collectorFor({live: {trackerFramesPerSecond: 5}});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  for (let i = 0; i < 20; i++) tracker.send({t: 'hb', url: 'http://shop.test/', visible: true});
  assert.equal(await tracker.closed, 4429);
});

test('a tracker channel upgrade takes a handshake token of its address: over the limit it is answered 429', async () => {
  const {url} = await collectorFor({rateLimits: {exemptLoopback: false, handshakesPerAddress: {perSecond: 0.01, burst: 2}}});
  const grant = await startSession(url);
  await connectTracker(url, grant.sessionToken);
  const {WebSocket} = await import('ws');
  const socket = new WebSocket(wsUrl(url, '/v1/web/live'));
  socket.on('error', () => {});
  const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  socket.terminate();
  assert.equal(status, 429);
});

test('a session takes at most agentsPerSession agents: the next is answered 429', async () => {
  const {url} = await collectorFor({live: {agentsPerSession: 1}});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  await watch(url, grant.sessionID, ADMIN);
  assert.equal((await connectAgent(url, grant.sessionID, ADMIN)).status, 429);
  await tracker.close();
});

test('an agent whose connection is lost without a close (no pong) is dropped within two ping intervals; tabs are not pinged', async () => {
  const {url} = await collectorFor({live: {pingIntervalMs: 400}});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  const {WebSocket} = await import('ws');
  const socket = new WebSocket(wsUrl(url, `/api/live/${grant.sessionID}`), {autoPong: false, headers: ADMIN});
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('open', resolve));
  const agents = async () => (await getJson(url, '/api/live')).json.sessions[0]?.agents ?? [];
  await eventually(async () => (await agents()).length === 1, 1000, 'the agent listed');
  await eventually(async () => (await agents()).length === 0, 1500, 'the agent dropped');
  // The tab, whose heartbeats say it is there, was never pinged.
  let pinged = false;
  tracker.socket.on('ping', () => (pinged = true));
  await sleep(900);
  assert.equal(pinged, false);
  assert.equal((await getJson(url, '/api/live')).json.sessions.length, 1);
  await tracker.close();
});

test('a tracker that sends nothing for trackerSilenceMs is ended and unlisted', async () => {
  const {url} = await collectorFor({live: {trackerSilenceMs: 300}});
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken);
  await listed(url, grant.sessionID);
  await tracker.closed;
  await eventually(async () => !(await getJson(url, '/api/live')).json.sessions.length, 1000, 'the silent tab unlisted');
});

test('close() ends every live socket at once with 1001', async () => {
  const collector = await collectorFor({keys});
  const grant = await startSession(collector.url);
  const tracker = await connectTracker(collector.url, grant.sessionToken);
  await listed(collector.url, grant.sessionID);
  const agent = await watch(collector.url, grant.sessionID, ADMIN);
  const started = Date.now();
  await collector.close();
  assert.ok(Date.now() - started < 1500, `close() took ${Date.now() - started} ms`);
  assert.equal(await tracker.closed, 1001);
  assert.equal(await agent.closed, 1001);
  await sleep(10);
});

test('live channels do not count against the connection cap for requests, and have a cap of their own', async () => {
  const {url} = await collectorFor({connectionLimits: {maxConnections: 4}, live: {maxChannels: 8}});
  const grant = await startSession(url);
  // More tabs than the request cap, each holding its channel.
  const tabs = [];
  for (let i = 0; i < 8; i++) tabs.push(await connectTracker(url, grant.sessionToken, {tab: `tab-${i}`}));
  await eventually(async () => (await getJson(url, '/api/live')).json.sessions[0]?.tabs.length === 8, 3000, 'eight tabs listed');
  // Requests still get through,
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${url}/healthz`)).status, 200);
  // and the channel past the live cap is refused at its upgrade.
  const refused = await new Promise<number>((resolve) => {
    const socket = new WebSocket(wsUrl(url, '/v1/web/live'));
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => resolve(101));
    socket.on('error', () => {});
  });
  assert.equal(refused, 503);
  for (const tab of tabs) tab.socket.close();
});
