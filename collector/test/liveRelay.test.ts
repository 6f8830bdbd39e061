// Assist's relay (collector/live/createLiveRelay.ts): what goes from a tab to
// the agents watching it and back, and remote control.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {hashSecret, type AccessKey} from '../access/accessKeys';
import {ADMIN, collectorFor, startSession} from './helpers';
import {connectTracker, listed, sleep, watch} from './liveHelpers';

const VIEWER_KEY = 'live-viewer-key-0123456789abcdef';
const AGENT_KEY = 'live-agent-key-0123456789abcdef';
const keys: AccessKey[] = [
  {name: 'watcher', role: 'viewer', projects: null, hash: hashSecret(VIEWER_KEY)},
  {name: 'helper', role: 'agent', projects: null, hash: hashSecret(AGENT_KEY)},
];
const VIEWER = {Authorization: `Bearer ${VIEWER_KEY}`};
const AGENT = {Authorization: `Bearer ${AGENT_KEY}`};

const {url} = await collectorFor({keys, live: {tabGraceMs: 300}});

/** A session with one tab connected and listed. */
async function liveSession(tab = 'tab-1') {
  const grant = await startSession(url);
  const tracker = await connectTracker(url, grant.sessionToken, {tab});
  await listed(url, grant.sessionID, tab);
  return {grant, tracker};
}

/** An agent that took control of the session's tab with the user's consent. */
async function inControl(sessionID: string, tracker: Awaited<ReturnType<typeof liveSession>>['tracker'], headers = AGENT, name = 'helper') {
  const agent = await watch(url, sessionID, headers);
  agent.send({t: 'control', action: 'request'});
  await tracker.next({t: 'control', action: 'request', agent: name});
  tracker.send({t: 'control', state: 'allowed', agent: name});
  await agent.next({t: 'control', state: 'allowed'});
  return agent;
}

test('the tab gets agents and snapshot when an agent joins, and agents: [] when it leaves', async () => {
  const {grant, tracker} = await liveSession();
  const agent = await watch(url, grant.sessionID, VIEWER);
  assert.deepEqual(await tracker.next({t: 'agents'}), {t: 'agents', agents: ['watcher']});
  await tracker.next({t: 'snapshot'});
  const tabs = await agent.next({t: 'tabs'});
  assert.equal(tabs.watching, 'tab-1');
  assert.deepEqual(tabs.tabs.map((tab: any) => tab.tab), ['tab-1']);
  await agent.close();
  assert.deepEqual(await tracker.next({t: 'agents'}), {t: 'agents', agents: []});
});

test('events from the tracker reach the agent watching its tab', async () => {
  const {grant, tracker} = await liveSession();
  const agent = await watch(url, grant.sessionID, VIEWER);
  await tracker.next({t: 'snapshot'});
  const events = [{type: 2, timestamp: 10, data: {node: {}}}, {type: 3, timestamp: 11, data: {source: 1}}];
  tracker.send({t: 'ev', events});
  assert.deepEqual(await agent.next({t: 'ev'}), {t: 'ev', tab: 'tab-1', events});
});

test('an agent watches one tab: it picks another with {t: "tab"}, and that tab gets a snapshot', async () => {
  const {grant, tracker} = await liveSession('tab-1');
  const second = await connectTracker(url, grant.sessionToken, {tab: 'tab-2', url: 'http://shop.test/two'});
  await listed(url, grant.sessionID, 'tab-2');
  const agent = await watch(url, grant.sessionID, VIEWER);
  assert.equal((await agent.next({t: 'tabs'})).watching, 'tab-2', 'the most recently connected visible tab by default');
  agent.send({t: 'tab', tab: 'tab-1'});
  assert.equal((await agent.next((frame) => frame.t === 'tabs' && frame.watching === 'tab-1')).watching, 'tab-1');
  await tracker.next({t: 'snapshot'});
  assert.deepEqual(await second.next((frame) => frame.t === 'agents' && !frame.agents.length), {t: 'agents', agents: []});
  second.send({t: 'ev', events: [{type: 3, timestamp: 1}]});
  tracker.send({t: 'ev', events: [{type: 3, timestamp: 2}]});
  assert.equal((await agent.next({t: 'ev'})).tab, 'tab-1', 'only the watched tab\'s events');
});

test('after a page load the new channel of the same tab is watched on, and asked for a snapshot', async () => {
  const {grant, tracker} = await liveSession('tab-p');
  const agent = await watch(url, grant.sessionID, VIEWER);
  await tracker.next({t: 'snapshot'});
  await tracker.close();
  const reloaded = await connectTracker(url, grant.sessionToken, {tab: 'tab-p', pageID: 2, url: 'http://shop.test/next'});
  assert.deepEqual(await reloaded.next({t: 'agents'}), {t: 'agents', agents: ['watcher']});
  await reloaded.next({t: 'snapshot'});
  reloaded.send({t: 'ev', events: [{type: 4, timestamp: 5}]});
  assert.equal((await agent.next({t: 'ev'})).tab, 'tab-p');
  await sleep(400);
  assert.equal(agent.received.some((frame) => frame.t === 'gone'), false, 'no "gone" for a tab that came back');
});

test('an agent watching a tab that closes for good is told it is gone', async () => {
  const {grant, tracker} = await liveSession('tab-g');
  const agent = await watch(url, grant.sessionID, VIEWER);
  await tracker.next({t: 'snapshot'});
  await tracker.close();
  assert.deepEqual(await agent.next({t: 'gone'}), {t: 'gone', tab: 'tab-g'});
});

test('a viewer key\'s control request is denied with a reason, and the tab is not asked', async () => {
  const {grant, tracker} = await liveSession();
  const agent = await watch(url, grant.sessionID, VIEWER);
  agent.send({t: 'control', action: 'request'});
  const denied = await agent.next({t: 'control'});
  assert.equal(denied.state, 'denied');
  assert.match(denied.reason, /agent role/);
  await sleep(100);
  assert.equal(tracker.received.some((frame) => frame.t === 'control'), false);
});

test('an agent key\'s control request is relayed to the tab, and the user\'s answer to the agents', async () => {
  const {grant, tracker} = await liveSession();
  const agent = await watch(url, grant.sessionID, AGENT);
  const onlooker = await watch(url, grant.sessionID, VIEWER);
  agent.send({t: 'control', action: 'request'});
  assert.deepEqual(await tracker.next({t: 'control'}), {t: 'control', action: 'request', agent: 'helper'});
  assert.deepEqual(await agent.next({t: 'control'}), {t: 'control', state: 'asked', agent: 'helper'});
  tracker.send({t: 'control', state: 'allowed', agent: 'helper'});
  assert.deepEqual(await agent.next({t: 'control'}), {t: 'control', state: 'allowed', agent: 'helper'});
  assert.equal((await onlooker.next({t: 'control', state: 'allowed'})).agent, 'helper');
  agent.send({t: 'input', input: {kind: 'click', id: 7, x: 1, y: 2}});
  assert.deepEqual(await tracker.next({t: 'input'}), {t: 'input', agent: 'helper', input: {kind: 'click', id: 7, x: 1, y: 2}});
});

test('a second agent cannot take control while another has it', async () => {
  const {grant, tracker} = await liveSession();
  await inControl(grant.sessionID, tracker);
  const second = await watch(url, grant.sessionID, ADMIN);
  second.send({t: 'control', action: 'request'});
  const denied = await second.next({t: 'control', state: 'denied'});
  assert.match(denied.reason, /helper has control/);
  await sleep(100);
  assert.equal(tracker.received.filter((frame) => frame.t === 'control').length, 1, 'only the first request reached the tab');
});

test('input is relayed only from the agent granted control, and only while granted', async () => {
  const {grant, tracker} = await liveSession();
  const asking = await watch(url, grant.sessionID, AGENT);
  asking.send({t: 'control', action: 'request'});
  await tracker.next({t: 'control', action: 'request'});
  asking.send({t: 'input', input: {kind: 'type', id: 3, text: 'before consent'}});
  const other = await watch(url, grant.sessionID, ADMIN);
  tracker.send({t: 'control', state: 'allowed', agent: 'helper'});
  await other.next({t: 'control', state: 'allowed'});
  other.send({t: 'input', input: {kind: 'type', id: 3, text: 'from the other agent'}});
  asking.send({t: 'input', input: {kind: 'type', id: 3, text: 'granted'}});
  assert.equal((await tracker.next({t: 'input'})).input.text, 'granted');
  tracker.send({t: 'control', state: 'ended', agent: 'helper'});
  await asking.next({t: 'control', state: 'ended'});
  asking.send({t: 'input', input: {kind: 'type', id: 3, text: 'after the end'}});
  await sleep(150);
  assert.deepEqual(tracker.received.filter((frame) => frame.t === 'input').map((frame) => frame.input.text), ['granted']);
});

test('control ends when the controlling agent leaves: the tab is told', async () => {
  const {grant, tracker} = await liveSession();
  const agent = await inControl(grant.sessionID, tracker);
  await agent.close();
  assert.deepEqual(await tracker.next({t: 'control', action: 'end'}), {t: 'control', action: 'end', agent: 'helper'});
});

test('a session\'s tracker never receives another session\'s agents, control requests or input', async () => {
  const mine = await liveSession('tab-m');
  const theirs = await liveSession('tab-t');
  const agent = await inControl(theirs.grant.sessionID, theirs.tracker);
  agent.send({t: 'tab', tab: 'tab-m'});
  agent.send({t: 'input', input: {kind: 'click', x: 1, y: 1}});
  await theirs.tracker.next({t: 'input'});
  await sleep(100);
  assert.deepEqual(mine.tracker.received, []);
});
