// The command line as users run it: main.ts bundled the way build.mjs does,
// started as a child process.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {build} from 'esbuild';
import {parseCliArgs} from '../cli/parseCliArgs';
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
  const child = spawn(process.execPath, [script, ...args], {env: {...process.env, TRACKER_SECRET: '', TRACKER_READ_SECRET: '', TRACKER_ADMIN_KEY: '', TRACKER_KEYS: '', ...env}});
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output}`)), 10_000);
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)\n/.exec(output);
      // The metrics line is the last of the start-up notes.
      if (match && /\nmetrics: .*\n/.test(output)) {
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
    assert.match(running.output(), /read side, viewer and metrics: need an access key/);
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

test('it generates an admin key once into the data directory, prints it that once, and the read side needs it', async () => {
  const dataDir = await tempDir();
  const file = join(dataDir, 'admin-key');
  const first = await run(['--port', '0', '--data', dataDir]);
  let key: string;
  try {
    key = (await readFile(file, 'utf8')).trim();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(first.output().includes(`admin key, shown this once (kept in ${file}`));
    assert.ok(first.output().includes(key));
    assert.equal((await fetch(`${first.url}/api/sessions`)).status, 401);
    assert.equal((await fetch(`${first.url}/api/sessions`, {headers: {Authorization: `Bearer ${key}`}})).status, 200);
  } finally {
    await stopped(first);
  }
  const second = await run(['--port', '0', '--data', dataDir]);
  try {
    assert.ok(second.output().includes(`admin key: in ${file}`));
    assert.ok(!second.output().includes(key), 'printed once only');
    assert.equal((await fetch(`${second.url}/api/sessions`, {headers: {Authorization: `Bearer ${key}`}})).status, 200);
  } finally {
    await stopped(second);
  }
});

test('an admin key given in TRACKER_ADMIN_KEY is used, not printed, and no key file is made', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir], {TRACKER_ADMIN_KEY: 'admin-key-from-the-environment'});
  try {
    assert.match(running.output(), /admin key: from TRACKER_ADMIN_KEY/);
    assert.ok(!running.output().includes('admin-key-from-the-environment'));
    await assert.rejects(stat(join(dataDir, 'admin-key')));
    assert.equal((await fetch(`${running.url}/api/sessions`, {headers: {Authorization: 'Bearer admin-key-from-the-environment'}})).status, 200);
  } finally {
    await stopped(running);
  }
});

test('a read secret of an older version keeps working as an admin key, and the start-up says what replaced it', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--host', '0.0.0.0'], {TRACKER_READ_SECRET: 'from-the-environment'});
  try {
    assert.match(running.output(), /is now an admin access key named "read-secret": access keys with roles replace it/);
    assert.ok(!running.output().includes('from-the-environment'));
    const port = new URL(running.url).port;
    const me = await fetch(`http://127.0.0.1:${port}/api/me`, {headers: {Authorization: 'Bearer from-the-environment'}});
    assert.deepEqual(await me.json(), {name: 'read-secret', role: 'admin', projects: null});
    // Never in a URL any more: a query string ends up in proxies' logs.
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/sessions?key=from-the-environment`)).status, 401);
  } finally {
    await stopped(running);
  }
});

test('keys add prints a key once and writes only its hash; the running collector accepts it within seconds', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir]);
  try {
    const added = await command(['keys', 'add', 'support', 'viewer', '--project', 'demo', '--data', dataDir]);
    const key = /\n(trk_\S+)\n?$/.exec(added)![1];
    const file = await readFile(join(dataDir, 'keys'), 'utf8');
    assert.ok(!file.includes(key), 'only the hash is kept');
    assert.match(file, /^support viewer demo sha256:[0-9a-f]{64}\n$/);
    assert.equal((await stat(join(dataDir, 'keys'))).mode & 0o777, 0o600);
    assert.match(await command(['keys', 'list', '--data', dataDir]), /support\tviewer\tdemo/);
    const deadline = Date.now() + 8000;
    let me: Response;
    while ((me = await fetch(`${running.url}/api/me`, {headers: {Authorization: `Bearer ${key}`}})).status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(await me.json(), {name: 'support', role: 'viewer', projects: ['demo']});
    assert.match(await command(['keys', 'remove', 'support', '--data', dataDir]), /removed support/);
    assert.doesNotMatch(await readFile(join(dataDir, 'keys'), 'utf8'), /support/);
  } finally {
    await stopped(running);
  }
});

test('--print-login-link prints a link whose token is in the fragment and logs in once', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--print-login-link']);
  try {
    const link = /login link \(opens the viewer; one use, within 60 minutes\): (\S+)/.exec(running.output())![1];
    assert.ok(link.startsWith(`${running.url}/#login=`));
    const token = link.split('#login=')[1];
    const login = () => fetch(`${running.url}/api/login`, {method: 'POST', body: JSON.stringify({link: token})});
    assert.equal((await login()).status, 200);
    assert.equal((await login()).status, 401);
  } finally {
    await stopped(running);
  }
});

test('--insecure-no-auth opens the read side and says so loudly; it is refused on a public host', async () => {
  const dataDir = await tempDir();
  const running = await run(['--port', '0', '--data', dataDir, '--insecure-no-auth']);
  try {
    assert.match(running.output(), /WARNING: --insecure-no-auth: the viewer, the read API, \/metrics and erasure are open to anyone/);
    assert.equal((await fetch(`${running.url}/api/sessions`)).status, 200);
  } finally {
    await stopped(running);
  }
  assert.throws(() => parseCliArgs(['--insecure-no-auth', '--host', '0.0.0.0']), /the development flag is for a collector on this machine alone/);
});

async function command(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [script, ...args]);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}: ${output}`);
  return output;
}

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
