// SPEC section 2: start() and sessions.
import {test, expect, trackedPage, waitForSession, customEvents, startTracker, waitForRecording} from './fixtures';
import {startCollector, removeDir} from './helpers/collector';

const handshakes = (urls: string[]) => urls.filter((url) => url.endsWith('/v1/web/start')).length;

test('start() resolves sessionID, sessionToken, sessionHash and userUUID and the getters agree', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const result = await startTracker(page);
  expect(result).toMatchObject({success: true});
  const getters = await page.evaluate(() => {
    const t = (window as any).tracker;
    return {id: t.getSessionID(), hash: t.getSessionHash(), active: t.isActive()};
  });
  expect(getters).toEqual({id: result.sessionID, hash: result.sessionHash, active: true});
});

test('a reload continues the session as a new page', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const first = await startTracker(page);
  await page.reload();
  const second = await startTracker(page);
  expect(second.sessionID).toBe(first.sessionID);
  expect(second.userUUID).toBe(first.userUUID);
  const session = await collector.session(first.sessionID);
  expect(session.pages.map((p) => p.pageID)).toEqual([1, 2]);
});

test('forceNew starts a new session after a reload', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const first = await startTracker(page);
  await page.reload();
  const second = await startTracker(page, {forceNew: true});
  expect(second.success).toBe(true);
  expect(second.sessionID).not.toBe(first.sessionID);
  expect(second.userUUID).toBe(first.userUUID);
});

test('forceNew after stop gives a new sessionID on the same page', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const ids = await page.evaluate(async () => {
    const t = (window as any).tracker;
    const first = await t.start();
    await t.stop();
    const activeAfterStop = t.isActive();
    const second = await t.start({forceNew: true});
    return {first: first.sessionID, second: second.sessionID, activeAfterStop, active: t.isActive()};
  });
  expect(ids.second).not.toBe(ids.first);
  expect(ids.activeAfterStop).toBe(false);
  expect(ids.active).toBe(true);
});

test('two concurrent starts make one handshake', async ({page, site, collector}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(trackedPage(site, collector));
  const [a, b] = await page.evaluate(() => Promise.all([(window as any).tracker.start(), (window as any).tracker.start()]));
  expect(a.sessionID).toBe(b.sessionID);
  expect(handshakes(requests)).toBe(1);
});

test('start() while active resolves the active session without a handshake', async ({page, site, collector}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(trackedPage(site, collector));
  const first = await startTracker(page);
  const again = await startTracker(page);
  expect(again).toEqual(first);
  expect(handshakes(requests)).toBe(1);
});

test('sessionHash carries the session to another origin', async ({page, site, otherSite, collector}) => {
  await page.goto(trackedPage(site, collector));
  const first = await startTracker(page);
  await page.goto(trackedPage(otherSite, collector, {path: '/checkout'}));
  const second = await startTracker(page, {sessionHash: first.sessionHash});
  expect(new URL(page.url()).origin).not.toBe(site.origin);
  expect(second.sessionID).toBe(first.sessionID);
  const session = await collector.session(first.sessionID);
  expect(session.pages.map((p) => new URL(p.url).origin)).toEqual([site.origin, otherSite.origin]);
});

test('a tampered sessionHash starts a new session', async ({page, site, otherSite, collector}) => {
  await page.goto(trackedPage(site, collector));
  const first = await startTracker(page);
  await page.goto(trackedPage(otherSite, collector));
  const tampered = first.sessionHash.slice(0, -2) + (first.sessionHash.endsWith('AA') ? 'BB' : 'AA');
  const second = await startTracker(page, {sessionHash: tampered});
  expect(second.success).toBe(true);
  expect(second.sessionID).not.toBe(first.sessionID);
});

test('a duplicated tab is its own page in the same session', async ({page, context, site, collector}) => {
  await page.goto(trackedPage(site, collector, {body: '<h1>original</h1>'}));
  const first = await startTracker(page);
  // window.open copies sessionStorage into the new tab, as duplicating a tab does.
  const [copy] = await Promise.all([context.waitForEvent('page'), page.evaluate(() => window.open(location.href))]);
  await copy.waitForLoadState();
  const second = await startTracker(copy);
  expect(second.sessionID).toBe(first.sessionID);
  await Promise.all([waitForRecording(page), waitForRecording(copy)]);
  await page.evaluate(() => (window as any).tracker.event('from-first'));
  await copy.evaluate(() => (window as any).tracker.event('from-copy'));
  await Promise.all([page.evaluate(() => (window as any).tracker.stop()), copy.evaluate(() => (window as any).tracker.stop())]);
  const session = await waitForSession(collector, first.sessionID, (s) => customEvents(s, 'tracker.event').length === 2);
  expect(session.pages).toHaveLength(2);
  const names = session.pages.map((p) => (p.events ?? []).filter((e) => e.type === 5 && e.data.tag === 'tracker.event').map((e) => e.data.payload.name));
  expect(names).toEqual([['from-first'], ['from-copy']]);
  // Each page begins with its own full snapshot: replayable on its own.
  for (const stored of session.pages) expect(stored.events!.some((e) => e.type === 2)).toBe(true);
});

test('a hidden tab starts without waiting to be shown', async ({page, site, collector}) => {
  await page.addInitScript(() => {
    Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});
    Object.defineProperty(document, 'hidden', {get: () => true});
  });
  await page.goto(trackedPage(site, collector));
  expect(await page.evaluate(() => document.visibilityState)).toBe('hidden');
  const result = await startTracker(page);
  expect(result.success).toBe(true);
});

test('assistOnly holds a session but sends no event batch', async ({page, site, collector}) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(trackedPage(site, collector, {initOptions: {flushIntervalMs: 200}}));
  const result = await startTracker(page, {assistOnly: true});
  expect(result.success).toBe(true);
  await page.evaluate(() => {
    (window as any).tracker.event('not-sent');
    document.body.append(document.createElement('div'));
  });
  await page.waitForTimeout(1000);
  await page.evaluate(() => (window as any).tracker.stop());
  expect(requests.filter((url) => url.includes('/v1/web/i'))).toEqual([]);
});

test('an unknown project key gives a reason naming it', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {projectKey: 'no-such-project'}));
  const result = await startTracker(page);
  expect(result.success).toBe(false);
  expect(result.reason).toContain('collector refused the session (403)');
  expect(result.reason).toContain('no-such-project');
});

test('a missing projectKey gives a reason naming it', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {projectKey: ''}));
  const result = await startTracker(page);
  expect(result).toEqual({success: false, reason: expect.stringContaining('projectKey is missing')});
});

test('an unreachable collector gives a reason after bounded retries', async ({page, site}) => {
  const down = await startCollector();
  const url = down.url;
  await down.stop();
  removeDir(down.dataDir);
  await page.goto(site.page('/', (await import('./helpers/site')).htmlPage((await import('./helpers/site')).snippet(`${site.origin}/tracker.js`, url))));
  const started = Date.now();
  const result = await startTracker(page);
  expect(result.success).toBe(false);
  expect(result.reason).toContain('collector unreachable');
  expect(result.reason).toContain('after 3 attempts');
  expect(Date.now() - started).toBeLessThan(30_000);
});

test('startCallback is called on success and on failure, and its exceptions stay inside', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const outcome = await page.evaluate(async () => {
    const t = (window as any).tracker;
    const seen: unknown[] = [];
    const ok = await t.start({
      startCallback: (r: unknown) => {
        seen.push(r);
        throw new Error('callback bug');
      },
    });
    return {ok, seen, active: t.isActive()};
  });
  expect(outcome.seen).toEqual([outcome.ok]);
  expect(outcome.active).toBe(true);

  await page.goto(trackedPage(site, collector, {projectKey: 'unknown-key', path: '/bad'}));
  const failure = await page.evaluate(async () => {
    const seen: unknown[] = [];
    const result = await (window as any).tracker.start({startCallback: (r: unknown) => seen.push(r)});
    return {result, seen};
  });
  expect(failure.result.success).toBe(false);
  expect(failure.seen).toEqual([failure.result]);
});

test('a session idle past the inactivity timeout is not resumed', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {initOptions: {inactivityTimeoutMs: 1000}}));
  const first = await startTracker(page);
  await page.evaluate(() => (window as any).tracker.stop());
  await page.waitForTimeout(1500);
  const stored = await page.evaluate(() => sessionStorage.getItem('tracker:session:demo'));
  await page.reload();
  const second = await startTracker(page);
  expect(second.sessionID, `stored before reload: ${stored}`).not.toBe(first.sessionID);
});

test('a stored token the collector refuses starts a new session', async ({page, site}) => {
  const first = await startCollector({env: {TRACKER_SECRET: 'secret-one'}});
  await page.goto(trackedPage(site, first));
  const before = await startTracker(page);
  await first.stop();
  // Same data, same port, another signing secret: the stored token is now foreign.
  const second = await startCollector({dataDir: first.dataDir, port: first.port, env: {TRACKER_SECRET: 'secret-two'}});
  try {
    await page.reload();
    const after = await startTracker(page);
    expect(after.success).toBe(true);
    expect(after.sessionID).not.toBe(before.sessionID);
  } finally {
    await second.stop();
    removeDir(first.dataDir);
  }
});

test('identity, metadata and custom events reach the session stream and the session', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector));
  const result = await startTracker(page, {userID: 'u-1', metadata: {plan: 'free'}});
  await page.evaluate(() => {
    const t = (window as any).tracker;
    t.setUserID('u-2');
    t.setMetadata('plan', 'pro');
    t.event('checkout', {total: 42});
    return t.stop();
  });
  const session = await waitForSession(collector, result.sessionID, (s) => customEvents(s, 'tracker.event').length === 1);
  expect(customEvents(session, 'tracker.identify').map((e) => e.data.payload)).toEqual([{userID: 'u-1'}, {userID: 'u-2'}]);
  expect(customEvents(session, 'tracker.metadata').map((e) => e.data.payload)).toEqual([
    {key: 'plan', value: 'free'},
    {key: 'plan', value: 'pro'},
  ]);
  expect(customEvents(session, 'tracker.event')[0].data.payload).toEqual({name: 'checkout', payload: {total: 42}});
  expect(session.userID).toBe('u-2');
  expect(session.metadata).toEqual({plan: 'pro'});
});

test('DOM changes are recorded and readable through the read API', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {body: '<button id="add">add</button><main></main>'}));
  const result = await startTracker(page);
  await waitForRecording(page);
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'added';
    p.textContent = 'hello replay';
    document.querySelector('main')!.append(p);
  });
  await page.evaluate(() => (window as any).tracker.stop());
  const session = await waitForSession(collector, result.sessionID, (s) => s.pages[0].eventCount >= 3);
  const events = session.pages[0].events!;
  // Custom events (vitals) may come first: recording starts once the page has loaded.
  expect(events.find((e) => e.type !== 5)!.type).toBe(4); // Meta
  expect(events.some((e) => e.type === 2)).toBe(true); // FullSnapshot
  expect(JSON.stringify(events.filter((e) => e.type === 3))).toContain('hello replay');
  const list = await collector.sessions();
  expect(list.find((s) => s.sessionID === result.sessionID)?.pages[0].eventCount).toBe(events.length);
});

test('mouse moves right before stop() do not throw into the page afterwards', async ({page, site, collector}) => {
  await page.goto(trackedPage(site, collector, {body: '<div style="height:600px">move here</div>'}));
  await startTracker(page);
  for (let i = 0; i < 3; i++) {
    // rrweb flushes a burst of mouse positions on a throttle timer that outlives stop().
    await page.mouse.move(10, 10);
    await page.mouse.move(400, 300, {steps: 20});
    await page.evaluate(() => (window as any).tracker.stop());
    await page.waitForTimeout(700);
    await startTracker(page);
  }
  // The pageErrors fixture fails the test on any uncaught error.
});
