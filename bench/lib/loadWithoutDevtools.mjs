// Loads a page in a Chromium that no DevTools protocol client is attached to,
// for the figures that time a page's own tasks. Under Playwright (any
// protocol client), Chromium does extra work inside the page's calls: a
// fetch() call returned in 15 to 49 ms there against 1 to 8 ms without,
// which the page's tasks then count as its own (bench/NOTES.md, figure 2).
// Each load is a fresh browser with an empty profile, which opens a blank
// page of the report server's first and navigates to the page measured once
// its own start-up is over (1.5 s), so that the browser's start-up does not
// compete with the page's load; the page measures itself and posts what it
// found to the report server (`probe`).
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from '../../scripts/chromium.mjs';

// Playwright's default viewport, which the figures measured with before.
const WINDOW = '--window-size=1280,720';
const SETTLE_MS = 1500;

export async function startReportServer() {
  const waiting = new Map();
  const server = createServer((request, response) => {
    const {pathname, searchParams} = new URL(request.url ?? '/', 'http://x');
    if (pathname === '/go') {
      response.writeHead(200, {'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store'});
      response.end(`<!doctype html><script>setTimeout(() => location.replace(${JSON.stringify(searchParams.get('to'))}), ${SETTLE_MS});</script>`);
      return;
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      response.writeHead(204, {'Access-Control-Allow-Origin': '*'});
      response.end();
      const id = searchParams.get('load');
      const resolve = waiting.get(id);
      if (request.method !== 'POST' || !resolve) return;
      waiting.delete(id);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(null);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  let loads = 0;
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/report`,
    /**
     * Opens `url` with `?load=<id>` added, waits for the page's report (null
     * after `timeoutMs` more than the browser's settling), and closes the browser.
     */
    async load(url, timeoutMs) {
      const id = String(++loads);
      const profile = mkdtempSync(join(tmpdir(), 'bench-profile-'));
      const report = new Promise((resolve) => waiting.set(id, resolve));
      const page = `${url}${url.includes('?') ? '&' : '?'}load=${id}`;
      const first = `${origin}/go?to=${encodeURIComponent(page)}`;
      // A process group of its own: the browser's helper processes go with it.
      const browser = spawn(CHROMIUM_PATH, [...CHROMIUM_ARGS, '--headless=new', WINDOW, `--user-data-dir=${profile}`, first], {stdio: 'ignore', detached: true});
      let timer;
      const result = await Promise.race([report, new Promise((resolve) => (timer = setTimeout(() => resolve(null), SETTLE_MS + timeoutMs)))]);
      clearTimeout(timer);
      waiting.delete(id);
      await new Promise((resolve) => {
        if (browser.exitCode !== null || browser.signalCode !== null) return resolve();
        browser.once('exit', resolve);
        try {
          process.kill(-browser.pid, 'SIGKILL');
        } catch {
          browser.kill('SIGKILL');
        }
      });
      rmSync(profile, {recursive: true, force: true, maxRetries: 10, retryDelay: 100});
      return result;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A `<script>` for the top of <head>: runs each of `setup` (functions, as
 * init scripts would), then, after the load event and no sooner than
 * `untilMs` from the navigation's start, `read` (an async function of the
 * page, or its source) and posts its result to `reportUrl` with the page's
 * `load` parameter.
 */
export function probe({reportUrl, setup, read, untilMs}) {
  const target = JSON.stringify(reportUrl);
  return (
    `<script>${setup.map((fn) => `(${fn})();`).join('')}` +
    `addEventListener('load',()=>setTimeout(async()=>{const r=await (${read})();` +
    `navigator.sendBeacon(${target}+'?load='+new URLSearchParams(location.search).get('load'),JSON.stringify(r));},Math.max(0,${untilMs}-performance.now())));</script>`
  );
}
