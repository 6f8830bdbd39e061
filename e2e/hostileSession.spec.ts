// The project key is public: anyone can send a session, so everything in one
// is hostile input. A session whose every field carries markup and
// javascript: URLs is stored through the ingest API, then opened in every
// part of the viewer: nothing of it may run, become a link, or trip the CSP.
import {test as base, expect} from './fixtures';
import {startCollector, removeDir, type RunningCollector} from './helpers/collector';
import type {Frame, Page} from '@playwright/test';

const ADMIN_KEY = 'hostile-session-admin-key-0123456789abcdefghij';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const ATTRIBUTE = '" onmouseover="window.__pwned=4" x="';
const JS_URL = 'javascript:window.__pwned=3';
/** Markup for every text field: shown as these characters, never parsed. */
const MARKUP = `${IMG}${SCRIPT}${ATTRIBUTE}`;

const META = 4;
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const CUSTOM = 5;
const MUTATION = 0;
const MOUSE_MOVE = 1;

const test = base.extend<{collector: RunningCollector}>({
  collector: async ({}, use) => {
    const collector = await startCollector({env: {TRACKER_ADMIN_KEY: ADMIN_KEY}});
    await use(collector);
    await collector.stop();
    removeDir(collector.dataDir);
  },
});

/** Node ids the later events refer to. */
const BODY_ID = 900;
const LATER_LINK_ID = 901;

/** A recorded page built to run script every way a DOM can: links, handlers, <script>, srcdoc, forms, SVG, meta refresh, base. */
function hostileSnapshot(timestamp: number) {
  let id = 1;
  const text = (textContent: string) => ({type: 3, textContent, id: ++id});
  const element = (tagName: string, attributes: Record<string, string>, childNodes: object[] = [], {isSVG = false, fixedID = 0} = {}) => ({
    type: 2,
    tagName,
    attributes,
    childNodes,
    id: fixedID || ++id,
    ...(isSVG ? {isSVG} : {}),
  });
  return {
    type: FULL_SNAPSHOT,
    timestamp,
    data: {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          {type: 1, name: 'html', publicId: '', systemId: '', id: ++id},
          element('html', {lang: 'en'}, [
            element('head', {}, [
              element('meta', {'http-equiv': 'refresh', content: `0;url=${JS_URL}`}),
              element('base', {href: JS_URL}),
              element('style', {}, [text('body{font:16px sans-serif}')]),
            ]),
            element('body', {onload: 'window.__pwned=5'}, [
              element('h1', {id: 'title', onmouseover: 'window.__pwned=4'}, [text(MARKUP)]),
              element('a', {id: 'js-link', href: JS_URL}, [text('a javascript: link')]),
              element('a', {id: 'spaced-link', href: ` \tJaVa\nScRiPt:window.__pwned=3`}, [text('a disguised one')]),
              element('a', {id: 'web-link', href: 'https://shop.example/'}, [text('an ordinary link')]),
              element('a', {id: 'later-link', href: 'https://shop.example/later'}, [text('a link that changes')], {fixedID: LATER_LINK_ID}),
              element('script', {}, [text('window.__pwned=2')]),
              element('img', {id: 'broken', src: 'x', onerror: 'window.__pwned=1'}),
              element('div', {id: 'hover', onmouseover: 'window.__pwned=4', onclick: 'window.__pwned=4', style: `background:url("${JS_URL}")`}, [text('hover me')]),
              element('iframe', {id: 'inner', srcdoc: `<script>parent.__pwned=6</script>`}),
              element('form', {id: 'form', action: JS_URL}, [element('button', {formaction: JS_URL}, [text('send')])]),
              element('svg', {width: '20', height: '20'}, [element('a', {'xlink:href': JS_URL, href: JS_URL}, [element('circle', {r: '5', cx: '10', cy: '10'}, [], {isSVG: true})], {isSVG: true})], {isSVG: true}),
              element('p', {id: 'status'}, [text('ready')]),
            ], {fixedID: BODY_ID}),
          ]),
        ],
      },
      initialOffset: {top: 0, left: 0},
    },
  };
}

function hostileEvents(start: number) {
  const custom = (at: number, tag: string, payload: unknown) => ({type: CUSTOM, timestamp: start + at, data: {tag, payload}});
  const events: object[] = [
    {type: META, timestamp: start, data: {href: JS_URL, width: 1024, height: 640}},
    hostileSnapshot(start + 10),
    // Added later: a javascript: link, and an ordinary link turned into one.
    {
      type: INCREMENTAL,
      timestamp: start + 600,
      data: {
        source: MUTATION,
        texts: [],
        removes: [],
        adds: [{parentId: BODY_ID, nextId: null, node: {type: 2, tagName: 'a', attributes: {id: 'added-link', href: JS_URL, onclick: 'window.__pwned=4'}, childNodes: [], id: 500}}],
        attributes: [{id: LATER_LINK_ID, attributes: {href: JS_URL, onmouseover: 'window.__pwned=4'}}],
      },
    },
    custom(300, 'tracker.console', {level: 'error', args: [MARKUP, JS_URL]}),
    custom(350, 'tracker.console', {level: `error${ATTRIBUTE}`, args: [SCRIPT]}),
    custom(400, 'tracker.network', {
      method: MARKUP,
      url: JS_URL,
      status: 500,
      durationMs: 12,
      kind: MARKUP,
      error: MARKUP,
      requestHeaders: {[MARKUP]: MARKUP, referer: JS_URL},
      responseHeaders: {'content-type': 'text/html', location: JS_URL, [IMG]: SCRIPT},
      requestBody: MARKUP,
      responseBody: JSON.stringify({html: MARKUP, next: JS_URL}),
    }),
    custom(450, 'tracker.network', {method: 'GET', url: `https://shop.example/${MARKUP}`, status: 200, durationMs: 5, kind: 'fetch', responseBody: MARKUP}),
    custom(500, 'tracker.error', {kind: 'error', name: MARKUP, message: MARKUP, stack: `${MARKUP}\n    at ${JS_URL}`, source: JS_URL, line: 1, column: 1}),
    custom(550, 'tracker.error', {kind: 'unhandledrejection', message: SCRIPT, source: `https://shop.example/${IMG}`}),
    custom(700, 'tracker.navigation', {url: JS_URL, kind: MARKUP}),
    custom(800, 'tracker.event', {name: MARKUP, payload: {html: MARKUP, url: JS_URL}}),
    custom(900, 'tracker.rageclick', {selector: MARKUP, clicks: 5, nodeId: LATER_LINK_ID}),
    custom(950, 'tracker.deadclick', {selector: `a[href="${JS_URL}"]`, nodeId: LATER_LINK_ID}),
    custom(1000, 'tracker.metadata', {key: MARKUP, value: JS_URL}),
    custom(1050, 'tracker.identify', {userID: MARKUP}),
    // Tags and payloads of any shape: the panel's lookups must not trip on them.
    custom(1100, MARKUP, MARKUP),
    custom(1150, 'constructor', null),
    custom(1200, '__proto__', [MARKUP]),
    custom(1250, 'tracker.console', SCRIPT),
    custom(1300, 'tracker.network', {url: {toString: MARKUP}, headers: MARKUP, requestHeaders: MARKUP}),
  ];
  for (let t = 100; t <= 3000; t += 400) events.push({type: INCREMENTAL, timestamp: start + t, data: {source: MOUSE_MOVE, positions: [{x: 50 + t / 10, y: 60, id: 8, timeOffset: 0}]}});
  events.push({type: INCREMENTAL, timestamp: start + 3000, data: {source: MOUSE_MOVE, positions: [{x: 300, y: 300, id: 8, timeOffset: 0}]}});
  return (events as {timestamp: number}[]).sort((a, b) => a.timestamp - b.timestamp);
}

/** Stores the session through the ingest API, as any page on the internet could. */
async function sendHostileSession(collectorUrl: string): Promise<string> {
  const start = Date.now() - 60_000;
  const started = await fetch(`${collectorUrl}/v1/web/start`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({
      projectKey: 'demo',
      url: JS_URL,
      referrer: `${JS_URL}//${MARKUP}`,
      userID: MARKUP,
      metadata: {[MARKUP]: MARKUP, homepage: JS_URL, plan: ATTRIBUTE},
      viewport: {width: 1024, height: 640},
      timestamp: start,
    }),
  });
  expect(started.status, await started.clone().text()).toBe(200);
  const {sessionID, sessionToken, pageID} = await started.json();
  const stored = await fetch(`${collectorUrl}/v1/web/i?page=${pageID}&seq=0`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Authorization: `Bearer ${sessionToken}`},
    body: JSON.stringify(hostileEvents(start)),
  });
  expect(stored.status, await stored.clone().text()).toBe(200);
  return sessionID;
}

/** Whatever each frame of the page says about script having run and javascript: links. */
async function assertNothingRan(page: Page, where: string) {
  for (const frame of page.frames()) {
    const state = await frameState(frame);
    expect(state.pwned, `${where}: window.__pwned in ${frame.url() || 'a frame'}`).toBeUndefined();
    expect(state.scriptLinks, `${where}: javascript: links in ${frame.url() || 'a frame'}`).toEqual([]);
  }
  // The replay iframe seen from the viewer too (it is same-origin, without scripts of its own).
  const replay = await page.evaluate(() => {
    const frame = document.querySelector<HTMLIFrameElement>('#player iframe');
    const doc = frame?.contentDocument;
    if (!frame || !doc) return null;
    return {
      pwned: (frame.contentWindow as any).__pwned,
      scriptLinks: doc.querySelectorAll('a[href^="javascript:" i], [href*="script:" i], [action*="script:" i], [formaction*="script:" i]').length,
      handlers: [...doc.querySelectorAll('*')].flatMap((node) => node.getAttributeNames().filter((name) => /^on/i.test(name))),
      scripts: doc.querySelectorAll('script').length,
      srcdoc: doc.querySelectorAll('[srcdoc]').length,
    };
  });
  if (replay) expect(replay, `${where}: the replayed DOM`).toEqual({pwned: undefined, scriptLinks: 0, handlers: [], scripts: 0, srcdoc: 0});
}

async function frameState(frame: Frame) {
  return frame.evaluate(() => ({
    pwned: (window as any).__pwned as unknown,
    scriptLinks: [...document.querySelectorAll('a[href^="javascript:" i]')].map((a) => a.outerHTML),
  }));
}

/** In the viewer itself: no element has a handler attribute, and every link is the viewer's own route or http(s). */
async function assertViewerMarkupIsOurs(page: Page) {
  const found = await page.evaluate(() => ({
    handlers: [...document.querySelectorAll('*')].flatMap((node) => node.getAttributeNames().filter((name) => /^on/i.test(name)).map((name) => `${node.localName}[${name}]`)),
    links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')!).filter((href) => !/^(#|https?:\/\/)/.test(href)),
    injected: document.querySelectorAll('main img, main script, #devtools img, #devtools script').length,
  }));
  expect(found).toEqual({handlers: [], links: [], injected: 0});
}

test('a hostile session shows as text everywhere in the viewer and nothing of it runs', async ({page, collector}) => {
  test.setTimeout(90_000);
  const sessionID = await sendHostileSession(collector.url);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const cspReports: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Content-Security-Policy|violates the following/i.test(message.text())) cspReports.push(message.text());
  });
  expect((await page.request.post(`${collector.url}/api/login`, {data: {key: ADMIN_KEY}})).status()).toBe(200);
  await page.setViewportSize({width: 1400, height: 900});

  // The list: the user ID and metadata as the characters they are.
  await page.goto(`${collector.url}/`);
  await expect(page.locator('body')).toHaveAttribute('data-view', 'list');
  const row = page.locator(`tr[data-session="${sessionID}"]`);
  await expect(row).toContainText(MARKUP);
  await expect(row).toContainText(`homepage: ${JS_URL}`);
  await row.locator('td').nth(1).hover();
  await row.locator('td').nth(2).hover();
  await assertNothingRan(page, 'the list');
  await assertViewerMarkupIsOurs(page);

  // The replay page.
  await row.locator('a').click();
  await expect(page.locator('body')).toHaveAttribute('data-replay', 'ready');
  await expect(page.locator('#replay-url')).toHaveText(JS_URL);
  await expect(page.locator('#replay-url a')).toHaveCount(0);
  await expect(page.locator('h2')).toContainText(MARKUP);
  const iframe = page.locator('#player iframe');
  await expect(iframe).toHaveAttribute('sandbox', 'allow-same-origin');
  expect(await iframe.getAttribute('sandbox')).not.toContain('allow-scripts');

  // Every tab, every row opened and hovered.
  for (const tab of ['console', 'network', 'errors', 'events']) {
    await page.click(`#tab-${tab}`);
    const rows = page.locator(`[aria-labelledby="tab-${tab}"] .row`);
    const count = await rows.count();
    expect(count, `${tab} rows`).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      const rowAt = rows.nth(i);
      const summary = rowAt.locator('summary');
      if (await summary.count()) await summary.click();
      else await rowAt.click();
      await rowAt.hover();
    }
    await assertNothingRan(page, `the ${tab} tab`);
  }
  await page.click('#tab-errors');
  await expect(page.locator('#errors-rows .row').first().locator('summary')).toContainText(`${MARKUP}: ${MARKUP}`);
  await expect(page.locator('#errors-rows .row').first().locator('.stack')).toContainText(`at ${JS_URL}`);
  await expect(page.locator('#errors-rows .row').first().locator('.detail')).toContainText(`${JS_URL}:1:1`);
  await page.click('#tab-network');
  const request = page.locator('#network-rows .row').first();
  await expect(request.locator('.detail')).toContainText(MARKUP);
  await expect(request.locator('.detail table.headers').first()).toContainText(MARKUP);
  await expect(request.locator('.detail')).toContainText(`"next": "${JS_URL}"`);
  await page.click('#tab-console');
  await expect(page.locator('#console-rows .row').first()).toContainText(`${MARKUP} ${JS_URL}`);
  // A made-up console level is shown, not used as a class.
  await expect(page.locator('#console-rows .row').nth(1)).toHaveClass(/level-log/);
  await page.click('#tab-events');
  await expect(page.locator('#custom-events')).toContainText(`event ${MARKUP}`);
  await expect(page.locator('#custom-events')).toContainText(`rage click on ${MARKUP}`);
  await expect(page.locator('#custom-events')).toContainText(`to ${JS_URL}`);

  // The marks on the timeline, and the replay played to its end (the mutation adds a javascript: link).
  // Marks close in time overlap: hovered without waiting for the one on top.
  for (const mark of await page.locator('#timeline button.mark').all()) await mark.hover({force: true});
  await page.getByRole('button', {name: '16x'}).click();
  await page.locator('.rr-controller__btns button').first().click();
  await expect(page.locator('body')).toHaveAttribute('data-replay', 'finished', {timeout: 30_000});
  const replayed = page.frameLocator('#player iframe');
  await expect(replayed.locator('#title')).toHaveText(MARKUP);
  await expect(replayed.locator('#web-link')).toHaveAttribute('href', 'https://shop.example/');
  await expect(replayed.locator('#js-link')).not.toHaveAttribute('href', /./);
  await expect(replayed.locator('#added-link')).toHaveCount(1);
  await expect(replayed.locator('#added-link')).not.toHaveAttribute('href', /./);
  await expect(replayed.locator('#later-link')).not.toHaveAttribute('href', /./);

  await assertNothingRan(page, 'the replay');
  await assertViewerMarkupIsOurs(page);
  expect(dialogs, 'dialogs').toEqual([]);
  expect(cspReports, 'CSP violations reported on the console').toEqual([]);
});

test('the viewer and the read API are served with the Content-Security-Policy', async ({page, collector}) => {
  const directives = (header: string | undefined) => new Map((header ?? '').split(';').map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name, values.join(' ')]));
  expect((await page.request.post(`${collector.url}/api/login`, {data: {key: ADMIN_KEY}})).status()).toBe(200);
  for (const path of ['/', '/viewer/app.js', '/api/sessions']) {
    const response = await page.request.get(`${collector.url}${path}`);
    expect(response.status(), path).toBe(200);
    const headers = response.headers();
    const policy = directives(headers['content-security-policy']);
    expect(policy.get('script-src'), `${path}: script-src`).toBe("'self'");
    expect(policy.get('default-src'), `${path}: default-src`).toBe("'self'");
    expect(policy.get('object-src'), `${path}: object-src`).toBe("'none'");
    expect(policy.get('base-uri'), `${path}: base-uri`).toBe("'none'");
    expect(policy.get('frame-ancestors'), `${path}: frame-ancestors`).toBe("'none'");
    expect(policy.get('connect-src'), `${path}: connect-src`).toBe("'self'");
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['referrer-policy'], path).toBe('no-referrer');
    expect(headers['x-frame-options'], path).toBe('DENY');
  }
  // Without a login too: the 401 is an API answer like any other.
  const refused = await fetch(`${collector.url}/api/sessions`);
  expect(refused.status).toBe(401);
  expect(directives(refused.headers.get('content-security-policy') ?? undefined).get('script-src')).toBe("'self'");
});
