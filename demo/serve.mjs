// `npm start`: the collector with its on-disk storage, the demo shop on one
// origin and the "payment site" on another, then the URLs to open.
import {spawn} from 'node:child_process';
import {cpSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {fillSnippet} from '../loader/fillSnippet.mjs';
import {demoFiles, renderDemoFile} from './renderDemoPage.mjs';
import {serveStatic} from './serveStatic.mjs';

const host = '127.0.0.1';
const shopPort = Number(process.env.DEMO_PORT ?? 8080);
const otherPort = Number(process.env.DEMO_OTHER_PORT ?? 8081);
const collectorPort = Number(process.env.COLLECTOR_PORT ?? 8787);
const shop = `http://${host}:${shopPort}`;
const other = `http://${host}:${otherPort}`;
const collectorUrl = `http://${host}:${collectorPort}`;
const dataDir = process.env.DEMO_DATA ?? '.data';

// The pages get the snippet exactly as a site owner would paste it.
const site = process.env.DEMO_SITE ?? 'demo/site';
rmSync(site, {recursive: true, force: true});
mkdirSync(site, {recursive: true});
const snippet = fillSnippet(readFileSync('dist/snippet.html', 'utf8'), {
  bundleUrl: `${shop}/tracker.js`,
  projectKey: 'demo',
  ingestPoint: collectorUrl,
});
for (const name of demoFiles()) {
  writeFileSync(`${site}/${name}`, renderDemoFile(name, {snippet, otherOrigin: other}));
}
cpSync('dist/tracker.js', `${site}/tracker.js`);
cpSync('dist/tracker.js.map', `${site}/tracker.js.map`);

const children = [];
function run(name, args) {
  // A process group of its own: Ctrl+C reaches the demo alone, which then
  // stops the collector with one SIGTERM (a second signal would make it exit
  // at once, before it has flushed).
  const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'inherit'], detached: true});
  child.stdout.on('data', (chunk) => process.stdout.write(`[${name}] ${chunk}`));
  child.on('exit', (code) => {
    if (code) console.error(`[${name}] exited with ${code}`);
  });
  children.push(child);
  return child;
}

// The collector prints a one-time login link to its viewer: shown again last, like Jupyter's.
const collector = run('collector', ['dist/collector.js', '--port', String(collectorPort), '--data', dataDir, '--project', `demo=${shop},${other}`, '--print-login-link']);
const loginLink = new Promise((resolve) => {
  let output = '';
  collector.stdout.on('data', (chunk) => {
    output += chunk;
    const match = /login link \(opens the viewer[^)]*\): (\S+)/.exec(output);
    if (match) resolve(match[1]);
  });
});
const sites = Promise.all([serveStatic(site, shopPort, host), serveStatic(site, otherPort, host)]);

// The URLs are printed once every server answers: on a loaded machine a fixed
// wait was not enough, and a user opening the shop got "connection refused".
async function waitUntilServing(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

Promise.all([loginLink, sites, ...[`${collectorUrl}/healthz`, `${shop}/index.html`, `${other}/checkout.html`].map((url) => waitUntilServing(url))]).then(
  ([link]) =>
    console.log(`
Demo running:
  shop (snippet pasted):      ${shop}/index.html
  second page, same origin:   ${shop}/page2.html
  payment site, other origin: ${other}/checkout.html (follow the link on the shop page)
  collector:                  ${collectorUrl} (its admin key is in ${dataDir}/admin-key)
  replay viewer (one click logs you in): ${link}
Press Ctrl+C to stop.`),
  (error) => {
    console.error(`the demo could not start: ${error.message}`);
    process.kill(process.pid, 'SIGTERM');
  },
);

// Stop the collector and wait for it: it flushes its metadata. (Until this
// list was filled, the demo exited at once and left the collector running
// with no one reading its output.)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    const exits = children.filter((child) => child.exitCode === null).map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of children) child.kill('SIGTERM');
    Promise.all(exits).then(() => process.exit(0));
  });
}
