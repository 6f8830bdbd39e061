// The command line as users run it: main.ts bundled the way build.mjs does,
// started as a child process.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {build} from 'esbuild';
import {parseCliArgs} from '../parseCliArgs';
import {tempDir} from './helpers';

const bundleDir = await tempDir();
const script = join(bundleDir, 'collector.js');
// Paths are relative to the repository root, where scripts/unit.mjs runs the tests.
await build({
  entryPoints: ['collector/main.ts'],
  outfile: script,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The bundle lives outside the repository, away from node_modules, so npm
  // packages are bundled in; their require() of Node's modules needs this.
  banner: {js: "import {createRequire} from 'node:module'; const require = createRequire(import.meta.url);"},
  logLevel: 'warning',
});

interface Run {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [script, ...args], {env: {...process.env, TRACKER_SECRET: '', TRACKER_READ_SECRET: '', ...env}});
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output}`)), 10_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)\n/.exec(output);
      // The read API line is the last of the start-up notes.
      if (match && /read API and viewer: .*\n/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
  });
  return {child, url, output: () => output, exited};
}

async function stopped(running: Run): Promise<number | null> {
  running.child.kill('SIGTERM');
  return running.exited;
}

test('started with --port 0, it prints one "listening on" line with the real port, and the demo project', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir]);
  try {
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(running.url, 'http://127.0.0.1:0');
    assert.equal(running.output().match(/^listening on /gm)!.length, 1);
    assert.match(running.output(), /accepting the project key "demo" from any origin/);
    assert.match(running.output(), /read API and viewer: open/);
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200);
  } finally {
    await stopped(running);
  }
});

test('SIGTERM stops it with exit code 0 after writing what it held back', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--project', 'shop=http://shop.test']);
  const grant = await fetch(`${running.url}/v1/web/start`, {method: 'POST', body: JSON.stringify({projectKey: 'shop', url: 'http://shop.test/'})}).then((r) => r.json());
  await fetch(`${running.url}/v1/web/i?page=1&seq=0`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${grant.sessionToken}`},
    body: JSON.stringify([{type: 5, timestamp: 1, data: {tag: 'tracker.identify', payload: {userID: 'u-7'}}}]),
  });
  assert.equal(await stopped(running), 0);
  const record = JSON.parse(await readFile(join(dataDir, 'sessions', grant.sessionID, 'session.json'), 'utf8'));
  assert.equal(record.userID, 'u-7');
  assert.equal(record.pages[0].eventCount, 1);
  await stat(join(dataDir, 'clean-shutdown'));
});

test('on a public host it generates a read secret into the data directory and says where, not what', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--host', '0.0.0.0']);
  try {
    const file = join(dataDir, 'read-secret');
    const secret = (await readFile(file, 'utf8')).trim();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(running.output().includes(file));
    assert.ok(!running.output().includes(secret));
    const port = new URL(running.url).port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/sessions`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/sessions`, {headers: {Authorization: `Bearer ${secret}`}})).status, 200);
  } finally {
    await stopped(running);
  }
});

test('a read secret given in the environment is used and not printed', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--host', '0.0.0.0'], {TRACKER_READ_SECRET: 'from-the-environment'});
  try {
    assert.match(running.output(), /TRACKER_READ_SECRET/);
    assert.ok(!running.output().includes('from-the-environment'));
    const port = new URL(running.url).port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/sessions?key=from-the-environment`)).status, 200);
  } finally {
    await stopped(running);
  }
});

test('--project takes a key alone (any origin) or a key with its origins', () => {
  const {projects} = parseCliArgs(['--project', 'a', '--project', 'b=http://127.0.0.1:8080, https://shop.example.com/']);
  assert.deepEqual(projects, [
    {key: 'a', origins: null},
    {key: 'b', origins: new Set(['http://127.0.0.1:8080', 'https://shop.example.com'])},
  ]);
});

test('a malformed command line is refused with a sentence that says what to give', () => {
  assert.throws(() => parseCliArgs(['--port', 'eighty']), /--port eighty: give a port from 0 to 65535/);
  assert.throws(() => parseCliArgs(['--project', 'shop=shop.example.com']), /"shop.example.com" is not an origin/);
  assert.throws(() => parseCliArgs(['--token-ttl', '0']), /--token-ttl 0: give a number of seconds/);
  assert.throws(() => parseCliArgs(['--verbose']), /--verbose/);
});
