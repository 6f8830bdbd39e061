// Assist, the page's side (SPEC section 8): the live channel, streaming to
// agents, the consent dialog and control. The collector's end of the channel
// is played by the test (helpers/fakeLiveChannel.ts) so that every frame the
// page sends can be checked; handshakes and storage are the real collector's.
import {readFileSync} from 'node:fs';
import {test, expect, trackedPage, startTracker, waitForRecording} from './fixtures';
import {reactAppScript} from './helpers/reactApp';
import {fakeLiveChannel, snapshotNodeId, type FakeLiveChannel} from './helpers/fakeLiveChannel';
import {snippet, htmlPage, NONCE, type Site} from './helpers/site';
import type {Page} from '@playwright/test';
import type {TrackerFrame} from '../bundle/assist/protocol';

type Ev = Extract<TrackerFrame, {t: 'ev'}>;
const isEv = (frame: TrackerFrame): frame is Ev => frame.t === 'ev';
const isControl = (state: string) => (frame: TrackerFrame) => frame.t === 'control' && frame.state === state;
const CONTROL_DIALOG = {name: 'Allow remote control?'};

function serveAssist(site: Site): void {
  site.file('/tracker-assist.js', readFileSync('dist/tracker-assist.js', 'utf8'), 'text/javascript');
}

interface Setup {
  assist?: unknown;
  react?: boolean;
  start?: object;
}

/** A page with Assist, started, its channel said hello. */
async function openAssistedPage(page: Page, site: Site, collector: {url: string}, setup: Setup = {}): Promise<FakeLiveChannel> {
  serveAssist(site);
  const live = await fakeLiveChannel(page);
  if (setup.react) site.file('/app.js', await reactAppScript(), 'text/javascript');
  const body = setup.react ? '<div id="app"></div><script src="/app.js"></script>' : '<h1>test page</h1><p id="text">hello</p>';
  await page.goto(trackedPage(site, collector as never, {initOptions: {assist: setup.assist ?? true, flushIntervalMs: 300}, body}));
  const result = await startTracker(page, setup.start ?? {});
  expect(result.success).toBe(true);
  await live.waitFor((frame) => frame.t === 'hello', 10_000, 0);
  return live;
}

/** An agent joins: agents, then snapshot (as the collector sends them); resolves the first ev frame. */
async function agentJoins(live: FakeLiveChannel, agent = 'Ann'): Promise<Ev> {
  const since = live.frames.length;
  live.send({t: 'agents', agents: [agent]});
  live.send({t: 'snapshot'});
  return live.waitFor(isEv, 10_000, since);
}

async function takeControl(page: Page, live: FakeLiveChannel, agent = 'Ann'): Promise<void> {
  live.send({t: 'control', action: 'request', agent});
  await page.getByRole('button', {name: 'Allow'}).click();
  await live.waitFor(isControl('allowed'), 5000, 0);
}

test('the channel says hello with the session token and then carries nothing but heartbeats while no agent watches', async ({page, site, collector}) => {
  const scripts: string[] = [];
  page.on('request', (request) => scripts.push(new URL(request.url()).pathname));
  const live = await openAssistedPage(page, site, collector);
  const hello = live.frames[0] as Extract<TrackerFrame, {t: 'hello'}>;
  const token = await page.evaluate(() => sessionStorage.getItem('tracker:session:demo'));
  expect(hello).toMatchObject({t: 'hello', visible: true, url: page.url(), tab: expect.any(String), pageID: expect.any(Number)});
  expect(JSON.parse(token!).sessionToken).toBe(hello.token);
  await page.click('h1');
  await page.evaluate(() => {
    document.body.append(document.createElement('div'));
    history.pushState(null, '', '/elsewhere');
  });
  // The URL change is reported within a second, not at the next 25 s beat.
  await live.waitFor((frame) => frame.t === 'hb' && frame.url.endsWith('/elsewhere'), 3000, 0);
  await page.waitForTimeout(1000);
  expect(new Set(live.frames.map((frame) => frame.t))).toEqual(new Set(['hello', 'hb']));
  expect(scripts).not.toContain('/tracker-assist.js');
});

test('the tab id stays across a reload of the tab', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  const first = live.frames[0] as Extract<TrackerFrame, {t: 'hello'}>;
  const since = live.frames.length;
  await page.reload();
  await startTracker(page);
  const second = (await live.waitFor((frame) => frame.t === 'hello', 10_000, since)) as typeof first;
  expect(second.tab).toBe(first.tab);
  expect(second.pageID).not.toBe(first.pageID);
});

test('without the option there is no live channel', async ({page, site, collector}) => {
  const live = await fakeLiveChannel(page);
  await page.goto(trackedPage(site, collector));
  expect((await startTracker(page)).success).toBe(true);
  await page.waitForTimeout(1500);
  expect(live.connections).toBe(0);
});

test('an agent joining gets a fresh full snapshot, then each change, console call and request as it is recorded', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await waitForRecording(page);
  const first = await agentJoins(live);
  // Meta, then the full snapshot: what a replayer needs to begin.
  expect(first.events.slice(0, 2).map((event) => event.type)).toEqual([4, 2]);
  const since = live.frames.length;
  const started = Date.now();
  await page.evaluate(() => {
    const added = document.createElement('p');
    added.textContent = 'added live';
    document.body.append(added);
    console.log('said live');
  });
  await live.waitFor((frame) => isEv(frame) && JSON.stringify(frame.events).includes('added live'), 2000, since);
  expect(Date.now() - started).toBeLessThan(1000);
  await live.waitFor((frame) => isEv(frame) && frame.events.some((event: any) => event.type === 5 && event.data?.tag === 'tracker.console'), 2000, since);
  // A second snapshot request (an agent fell behind): another full snapshot.
  const again = live.frames.length;
  live.send({t: 'snapshot'});
  await live.waitFor((frame) => isEv(frame) && frame.events.some((event) => event.type === 2), 3000, again);
  // The last agent leaves: nothing more is streamed.
  live.send({t: 'agents', agents: []});
  await page.waitForTimeout(300);
  const after = live.frames.length;
  await page.evaluate(() => document.body.append(document.createElement('section')));
  await page.waitForTimeout(500);
  expect(live.frames.slice(after).filter(isEv)).toEqual([]);
});

test('masked text stays masked in the live stream', async ({page, site, collector}) => {
  serveAssist(site);
  const live = await fakeLiveChannel(page);
  await page.goto(trackedPage(site, collector, {initOptions: {assist: true}, body: '<p class="tracker-mask">private words</p><p>public words</p>'}));
  await startTracker(page);
  await live.waitFor((frame) => frame.t === 'hello', 10_000, 0);
  await waitForRecording(page);
  const first = await agentJoins(live);
  const json = JSON.stringify(first.events);
  expect(json).toContain('public words');
  expect(json).not.toContain('private words');
});

test('control asked and allowed: the dialog is accessible, and the callbacks hear of agents and control', async ({page, site, collector}) => {
  serveAssist(site);
  const live = await fakeLiveChannel(page);
  // Callbacks cannot travel in the snippet's JSON: set on the stub's options before the bundle takes over.
  const head = `<script>
    window.heard = [];
    tracker._c[2].assist = {
      onAgents: (names) => { heard.push('agents:' + names.join()); throw new Error('a callback that throws'); },
      onControl: (state) => heard.push('control:' + state),
    };
  </script>`;
  await page.goto(trackedPage(site, collector, {initOptions: {assist: true}, head}));
  await startTracker(page);
  await live.waitFor((frame) => frame.t === 'hello', 10_000, 0);
  await agentJoins(live);
  live.send({t: 'control', action: 'request', agent: 'Ann'});
  await live.waitFor(isControl('asked'), 5000, 0);
  const dialog = page.getByRole('dialog', CONTROL_DIALOG);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Ann');
  await expect(dialog.getByRole('button', {name: 'Deny'})).toBeFocused();
  // The dialog is not in what agents see.
  expect(JSON.stringify(live.frames.filter(isEv))).not.toContain('Allow remote control?');
  await dialog.getByRole('button', {name: 'Allow'}).click();
  await live.waitFor(isControl('allowed'), 5000, 0);
  await expect(dialog).toBeHidden();
  await page.getByRole('button', {name: 'End control'}).click();
  await live.waitFor(isControl('ended'), 5000, 0);
  live.send({t: 'agents', agents: []});
  await expect.poll(() => page.evaluate(() => (window as any).heard)).toEqual(['agents:Ann', 'control:allowed', 'control:ended', 'agents:']);
});

test('control denied with "Deny"', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await agentJoins(live);
  live.send({t: 'control', action: 'request', agent: 'Ann'});
  await page.getByRole('dialog', CONTROL_DIALOG).getByRole('button', {name: 'Deny'}).click();
  expect(await live.waitFor(isControl('denied'), 5000, 0)).toMatchObject({agent: 'Ann'});
  await expect(page.getByRole('button', {name: 'End control'})).toBeHidden();
});

test('no answer within 30 s is a denial', async ({page, site, collector}) => {
  await page.clock.install();
  const live = await openAssistedPage(page, site, collector);
  await agentJoins(live);
  live.send({t: 'control', action: 'request', agent: 'Ann'});
  await expect(page.getByRole('dialog', CONTROL_DIALOG)).toBeVisible();
  await page.clock.fastForward(29_000);
  await expect(page.getByRole('dialog', CONTROL_DIALOG)).toBeVisible();
  await page.clock.fastForward(1_500);
  await live.waitFor(isControl('denied'), 5000, 0);
  await expect(page.getByRole('dialog', CONTROL_DIALOG)).toBeHidden();
});

test('Esc ends control', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await agentJoins(live);
  await takeControl(page, live);
  await page.keyboard.press('Escape');
  await live.waitFor(isControl('ended'), 5000, 0);
  await expect(page.getByRole('button', {name: 'End control'})).toBeHidden();
});

test('"End control" ends control', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await agentJoins(live);
  await takeControl(page, live);
  await page.getByRole('button', {name: 'End control'}).click();
  await live.waitFor(isControl('ended'), 5000, 0);
});

test('the tab becoming hidden ends control', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await agentJoins(live);
  await takeControl(page, live);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
    Object.defineProperty(document, 'hidden', {value: true, configurable: true});
    document.dispatchEvent(new Event('visibilitychange'));
    dispatchEvent(new Event('visibilitychange'));
  });
  await live.waitFor(isControl('ended'), 5000, 0);
});

test("an agent's click and typing reach a React-controlled input, and Enter submits its form", async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector, {react: true});
  await waitForRecording(page);
  const first = await agentJoins(live);
  const snapshot = first.events.find((event) => event.type === 2);
  const nameId = snapshotNodeId(snapshot, {id: 'name'})!;
  const buttonId = snapshotNodeId(snapshot, {id: 'more'})!;
  expect(nameId).toBeGreaterThan(0);
  await takeControl(page, live);
  const box = (await page.locator('#more').boundingBox())!;
  live.send({t: 'input', agent: 'Ann', input: {kind: 'click', id: buttonId, x: box.x + 5, y: box.y + 5}});
  await expect(page.locator('#clicks')).toHaveText('1');
  // By coordinates alone, as a fallback.
  live.send({t: 'input', agent: 'Ann', input: {kind: 'click', x: box.x + 5, y: box.y + 5}});
  await expect(page.locator('#clicks')).toHaveText('2');
  live.send({t: 'input', agent: 'Ann', input: {kind: 'click', id: nameId, x: 0, y: 0}});
  live.send({t: 'input', agent: 'Ann', input: {kind: 'type', id: nameId, text: 'Hel'}});
  live.send({t: 'input', agent: 'Ann', input: {kind: 'type', id: nameId, text: 'lo'}});
  await expect(page.locator('#echo')).toHaveText('Hello');
  await expect(page.locator('#name')).toHaveValue('Hello');
  live.send({t: 'input', agent: 'Ann', input: {kind: 'key', id: nameId, key: 'Enter', code: 'Enter'}});
  await expect(page.locator('#submitted')).toHaveText('Hello');
  // Another agent, or one not in control, is ignored.
  live.send({t: 'input', agent: 'Bob', input: {kind: 'type', id: nameId, text: '!'}});
  await page.waitForTimeout(300);
  await expect(page.locator('#name')).toHaveValue('Hello');
});

test('typing into a password field is refused', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector, {react: true});
  await waitForRecording(page);
  const first = await agentJoins(live);
  // The recorder blocks password fields: an agent sees an empty box (no attributes but its size), with an id.
  const secretId = snapshotNodeId(first.events.find((event) => event.type === 2), (node) => node.tagName === 'input' && 'rr_width' in (node.attributes ?? {}));
  expect(secretId).toBeGreaterThan(0);
  await takeControl(page, live);
  live.send({t: 'input', agent: 'Ann', input: {kind: 'type', id: secretId!, text: 'hunter2'}});
  live.send({t: 'input', agent: 'Ann', input: {kind: 'key', id: secretId!, key: 'a'}});
  await page.waitForTimeout(500);
  await expect(page.locator('#secret')).toHaveValue('');
});

test('input before control is allowed does nothing', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector, {react: true});
  await waitForRecording(page);
  const first = await agentJoins(live);
  const nameId = snapshotNodeId(first.events.find((event) => event.type === 2), {id: 'name'})!;
  live.send({t: 'input', agent: 'Ann', input: {kind: 'type', id: nameId, text: 'sneaky'}});
  await page.waitForTimeout(500);
  await expect(page.locator('#name')).toHaveValue('');
});

test('the dialog works and is styled under a strict CSP', async ({page, site, collector}) => {
  serveAssist(site);
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const live = await fakeLiveChannel(page);
  const tag = snippet(`${site.origin}/tracker.js`, collector.url, {assist: true}).replace('<script>', `<script nonce="${NONCE}">`);
  const csp = `script-src 'self' ${site.origin} 'nonce-${NONCE}'; style-src 'self'`;
  await page.goto(site.page('/csp', htmlPage(tag), {'Content-Security-Policy': csp}));
  await startTracker(page);
  await live.waitFor((frame) => frame.t === 'hello', 10_000, 0);
  await agentJoins(live);
  live.send({t: 'control', action: 'request', agent: 'Ann'});
  const dialog = page.getByRole('dialog', CONTROL_DIALOG);
  await expect(dialog).toBeVisible();
  // The stylesheet applied: a white, rounded box with a shadow.
  const style = await dialog.evaluate((node) => {
    const computed = getComputedStyle(node);
    return {background: computed.backgroundColor, radius: computed.borderTopLeftRadius, shadow: computed.boxShadow};
  });
  expect(style).toEqual({background: 'rgb(255, 255, 255)', radius: '10px', shadow: expect.stringContaining('rgba')});
  await dialog.getByRole('button', {name: 'Allow'}).click();
  await live.waitFor(isControl('allowed'), 5000, 0);
  expect(violations).toEqual([]);
});

test('confirmView: nothing is streamed until the user allows watching', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector, {assist: {confirmView: true}});
  await waitForRecording(page);
  live.send({t: 'agents', agents: ['Ann']});
  live.send({t: 'snapshot'});
  const dialog = page.getByRole('dialog', {name: 'Allow support to see this page?'});
  await expect(dialog).toBeVisible();
  await page.waitForTimeout(500);
  expect(live.frames.filter(isEv)).toEqual([]);
  await dialog.getByRole('button', {name: 'Allow'}).click();
  const first = await live.waitFor(isEv, 5000, 0);
  expect(first.events.some((event) => event.type === 2)).toBe(true);
});

test('assistOnly: agents see the page live and the collector stores nothing', async ({page, site, collector}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  // The option is off: assistOnly turns Assist on for the session anyway.
  const live = await openAssistedPage(page, site, collector, {assist: false, start: {assistOnly: true}});
  const first = await agentJoins(live);
  expect(first.events.some((event) => event.type === 2)).toBe(true);
  const since = live.frames.length;
  await page.evaluate(() => {
    const added = document.createElement('p');
    added.textContent = 'only live';
    document.body.append(added);
  });
  await live.waitFor((frame) => isEv(frame) && JSON.stringify(frame.events).includes('only live'), 3000, since);
  await page.evaluate(() => (window as any).tracker.stop());
  expect(requests.filter((url) => url.includes('/v1/web/i'))).toEqual([]);
});

test('stop() closes the channel and it does not come back', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  await page.evaluate(() => (window as any).tracker.stop());
  const connections = live.connections;
  await page.waitForTimeout(2500);
  expect(live.connections).toBe(connections);
});

test('a channel the collector closes is opened again', async ({page, site, collector}) => {
  const live = await openAssistedPage(page, site, collector);
  const since = live.frames.length;
  await live.closeSocket(1011);
  await live.waitFor((frame) => frame.t === 'hello', 10_000, since);
  expect(live.connections).toBe(2);
});
