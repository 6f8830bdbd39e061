// The embedded default never loads the PostgreSQL client or the AWS SDK:
// they are loaded by their backend's factory, when it is called. The
// collector is built as build.mjs builds dist/collector.js (npm packages
// left as imports), and run with a module hook that fails any import of them.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {build} from 'esbuild';
import {tempDir} from './helpers';

const REFUSE_BACKEND_PACKAGES = `
export async function resolve(specifier, context, next) {
  if (specifier === 'pg' || specifier.startsWith('pg/') || specifier.startsWith('@aws-sdk/')) throw new Error('loaded ' + specifier);
  return next(specifier, context);
}`;
const HOOK = `data:text/javascript,${encodeURIComponent(`import {register} from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(REFUSE_BACKEND_PACKAGES)}`)});`)}`;

test('the file-backend collector starts and stores without loading the PostgreSQL client or the AWS SDK', async (t) => {
  // The probe itself: it does catch an import of either.
  for (const specifier of ['pg', '@aws-sdk/client-s3']) {
    const probe = spawnSync(process.execPath, ['--import', HOOK, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], {encoding: 'utf8'});
    assert.notEqual(probe.status, 0);
    assert.match(probe.stderr, new RegExp(`loaded ${specifier}`));
  }

  // Inside the repository, so that its node_modules resolve the imports.
  const outfile = join('.build', 'lazy-backends', `collector-${process.pid}.js`);
  await build({entryPoints: ['collector/main.ts'], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning'});
  const child = spawn(process.execPath, ['--import', HOOK, outfile, '--port', '0', '--data', await tempDir()], {stdio: ['ignore', 'pipe', 'pipe']});
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(outfile, {force: true});
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)\n/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the collector exited with ${code}:\n${output}`)));
  });
  const grant = await (await fetch(`${url}/v1/web/start`, {method: 'POST', body: JSON.stringify({projectKey: 'demo', url: 'http://shop.test/'})})).json();
  const batch = await fetch(`${url}/v1/web/i?page=${grant.pageID}&seq=0`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${grant.sessionToken}`, 'Content-Type': 'application/json'},
    body: JSON.stringify([{type: 4, timestamp: 1, data: {}}]),
  });
  assert.equal(batch.status, 200);
  assert.doesNotMatch(output, /loaded (pg|@aws-sdk)/);
});
