// Figure 8 (issue "Replay viewer"): the viewer with many and with big sessions.
// (a) Listing: GET /api/sessions (the viewer's first request) with 10,000
//     sessions stored, against the same request with 100 stored: the index is
//     in memory, so the ratio should stay near 1. Also the collector's start-up
//     with 10,000 sessions, and the list page ready in Chromium.
// (b) A 10 MB session (three pages of rrweb events): time from opening its
//     replay page to the first frame (the player showing page 1), against the
//     same for a 200 KB session of one page. Pages load one by one, so the big
//     session waits for its first page only. Alternated.
import {alternate} from '../lib/alternate.mjs';
import {median} from '../lib/median.mjs';
import {ratio} from '../lib/ratio.mjs';
import {ADMIN_HEADERS, ADMIN_KEY, startCollector} from '../lib/startCollector.mjs';
import {join} from 'node:path';

async function post(url, body, headers = {}) {
  const response = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json', ...headers}, body: typeof body === 'string' ? body : JSON.stringify(body)});
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function createSessions(collectorUrl, count, concurrency = 16) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      await post(`${collectorUrl}/v1/web/start`, {projectKey: 'demo', url: `http://shop.test/page/${n}`, userID: `user-${n % 500}`, metadata: {plan: n % 2 ? 'pro' : 'free'}});
    }
  };
  await Promise.all(Array.from({length: concurrency}, worker));
}

// A replayable page of about `bytes` of JSON: a Meta, a full snapshot of many
// rows, then mutations adding paragraphs, one event every 10 ms.
function pageEvents(href, startTime, bytes) {
  const text = (n) => `row ${n} ` + 'lorem ipsum dolor sit amet '.repeat(3);
  let id = 6;
  const rows = [];
  for (let n = 0; n < 2000; n++) rows.push({type: 2, tagName: 'div', attributes: {class: 'row'}, childNodes: [{type: 3, textContent: text(n), id: id++}], id: id++});
  let time = startTime;
  const events = [
    {type: 4, data: {href, width: 1280, height: 720}, timestamp: time},
    {
      type: 2,
      data: {
        node: {
          type: 0,
          childNodes: [
            {type: 1, name: 'html', publicId: '', systemId: '', id: 2},
            {type: 2, tagName: 'html', attributes: {}, childNodes: [{type: 2, tagName: 'head', attributes: {}, childNodes: [], id: 4}, {type: 2, tagName: 'body', attributes: {}, childNodes: rows, id: 5}], id: 3},
          ],
          id: 1,
        },
        initialOffset: {left: 0, top: 0},
      },
      timestamp: (time += 10),
    },
  ];
  let size = JSON.stringify(events).length;
  while (size < bytes) {
    const parent = id++;
    const event = {
      type: 3,
      data: {source: 0, texts: [], attributes: [], removes: [], adds: [
        {parentId: 5, nextId: null, node: {type: 2, tagName: 'p', attributes: {}, childNodes: [], id: parent}},
        {parentId: parent, nextId: null, node: {type: 3, textContent: text(parent), id: id++}},
      ]},
      timestamp: (time += 10),
    };
    events.push(event);
    size += JSON.stringify(event).length + 1;
  }
  return events;
}

async function createSessionOfSize(collectorUrl, totalBytes, pages) {
  let grant = await post(`${collectorUrl}/v1/web/start`, {projectKey: 'demo', url: 'http://shop.test/big/1', userID: `session-of-${totalBytes}`});
  const sessionID = grant.sessionID;
  let clock = Date.now() - 3600_000;
  for (let page = 1; page <= pages; page++) {
    if (page > 1) grant = await post(`${collectorUrl}/v1/web/start`, {projectKey: 'demo', url: `http://shop.test/big/${page}`, token: grant.sessionToken});
    const events = pageEvents(`http://shop.test/big/${page}`, clock, totalBytes / pages);
    clock = events[events.length - 1].timestamp + 5000;
    // Batches of about 1 MB, as the tracker would cut them after a snapshot.
    let seq = 0;
    for (let i = 0; i < events.length; ) {
      const batch = [];
      let size = 0;
      while (i < events.length && (size < 1_000_000 || !batch.length)) {
        size += JSON.stringify(events[i]).length;
        batch.push(events[i++]);
      }
      await post(`${collectorUrl}/v1/web/i?page=${grant.pageID}&seq=${seq++}`, JSON.stringify(batch), {Authorization: `Bearer ${grant.sessionToken}`});
    }
  }
  return sessionID;
}

const timeFetch = async (url) => {
  const begin = performance.now();
  const response = await fetch(url, {headers: ADMIN_HEADERS});
  await response.text();
  return performance.now() - begin;
};

// The store is filled as fast as the collector takes handshakes: far above
// the per-project limits that guard a real collector (200 a second, 3,000 new
// sessions a minute), so they are lifted for this figure alone.
const FILL_AS_FAST_AS_IT_GOES = ['--handshakes-per-project', '0', '--new-sessions-per-minute', '0'];

export async function measureViewer({browser, options, progress, tmp}) {
  const total = options.smoke ? 300 : 10_000;
  const few = 100;
  const dataDir = join(tmp, 'collector-viewer');
  let collector = await startCollector({dataDir, args: FILL_AS_FAST_AS_IT_GOES});
  try {
    const listTimes = async () => {
      const times = [];
      for (let i = 0; i < (options.smoke ? 2 : 30); i++) times.push(await timeFetch(`${collector.url}/api/sessions`));
      return median(times.slice(1));
    };
    await createSessions(collector.url, few);
    const listFew = await listTimes();
    await createSessions(collector.url, total - few);
    const listMany = await listTimes();
    progress(`viewer: ${total} sessions stored`);
    const bigBytes = options.smoke ? 1_500_000 : 10_000_000;
    const bigID = await createSessionOfSize(collector.url, bigBytes, 3);
    const smallID = await createSessionOfSize(collector.url, 200_000, 1);
    progress('viewer: big and small sessions stored');

    // Start-up with every session on disk: the index is read from session.json files.
    await collector.stop();
    const began = Date.now();
    collector = await startCollector({dataDir, args: FILL_AS_FAST_AS_IT_GOES});
    const startupMs = Date.now() - began;

    const context = await browser.newContext({viewport: {width: 1400, height: 900}});
    await context.request.post(`${collector.url}/api/login`, {data: {key: ADMIN_KEY}});
    try {
      const page = await context.newPage();
      const listPage = [];
      for (let i = 0; i < (options.smoke ? 1 : 5); i++) {
        const begin = Date.now();
        await page.goto(`${collector.url}/`);
        await page.waitForSelector('body[data-view="list"]');
        listPage.push(Date.now() - begin);
      }
      const samples = await alternate({
        variants: ['small', 'big'],
        reps: options.smoke ? 1 : 5,
        warmup: options.warmup,
        run: async (variant) => {
          await page.goto('about:blank');
          const begin = Date.now();
          await page.goto(`${collector.url}/#/session/${variant === 'big' ? bigID : smallID}`);
          await page.waitForSelector('body[data-replay="ready"]', {timeout: 120_000});
          // The first frame is drawn: the replay iframe holds page 1's rows.
          await page.frameLocator('#player iframe').locator('.row').first().waitFor({timeout: 60_000});
          return Date.now() - begin;
        },
      });
      const small = median(samples.small);
      const big = median(samples.big);
      return {
        rows: [
          {metric: `GET /api/sessions with ${total} sessions / with ${few}`, unit: 'ms', baseline: listFew, value: listMany, ratio: ratio(listMany, listFew)},
          {metric: `viewer list page ready, ${total} sessions`, unit: 'ms', baseline: null, value: median(listPage)},
          {metric: `collector start-up with ${total} sessions`, unit: 'ms', baseline: null, value: startupMs},
          {metric: `first frame of a ${(bigBytes / 1e6).toFixed(0)} MB session / of a 0.2 MB one`, unit: 'ms', baseline: small, value: big, ratio: ratio(big, small)},
        ],
        details: {samples, listPage, listFew, listMany, startupMs, bigBytes},
      };
    } finally {
      await context.close();
    }
  } finally {
    await collector.stop();
  }
}
