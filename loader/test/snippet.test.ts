// The built snippets (dist/snippet.html and dist/snippet-sri.html): size
// budgets, ES5 only, placeholders, filling, and the integrity of the bundle.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {execFileSync, spawnSync} from 'node:child_process';
import {pathToFileURL} from 'node:url';
import {parse} from 'acorn';

// Imported at run time, not bundled into the test: bundled, its CLI branch
// would think it was run as a program.
const {fillSnippet, integrityOf} = await import(pathToFileURL('loader/fillSnippet.mjs').href);

const template = readFileSync('dist/snippet.html', 'utf8');
const sriTemplate = readFileSync('dist/snippet-sri.html', 'utf8');
const bundle = JSON.parse(readFileSync('dist/bundle.json', 'utf8'));
const realConfig = {
  bundleUrl: 'https://cdn.example.com/tracker/1.0.0/tracker.js',
  projectKey: '0123456789abcdef',
  ingestPoint: 'https://collector.example.com',
};
const scriptOf = (html: string) => html.replace(/^<script>/, '').replace(/<\/script>$/, '');

test('the filled-in snippet is at most 512 bytes gzipped (level 9)', () => {
  const size = gzipSync(fillSnippet(template, realConfig), {level: 9}).length;
  assert.ok(size <= 512, `snippet is ${size} bytes gzipped`);
});

// The budget README states for Subresource Integrity: the hash is 64 base64
// characters of pure entropy, gzip cannot shrink them.
test('the snippet filled with the bundle\'s integrity is at most 640 bytes gzipped (level 9)', () => {
  const html = fillSnippet(sriTemplate, {...realConfig, integrity: bundle.integrity});
  const size = gzipSync(html, {level: 9}).length;
  assert.ok(size <= 640, `snippet with integrity is ${size} bytes gzipped`);
});

test('both snippets have exactly the three placeholders', () => {
  for (const html of [template, sriTemplate]) {
    const placeholders = html.match(/\{\{[A-Z_]+\}\}/g);
    assert.deepEqual(placeholders?.sort(), ['{{BUNDLE_URL}}', '{{INGEST_POINT}}', '{{PROJECT_KEY}}']);
  }
});

test('the snippets and dist/loader.min.js parse as ES5', () => {
  assert.doesNotThrow(() => parse(scriptOf(template), {ecmaVersion: 5}));
  assert.doesNotThrow(() => parse(scriptOf(fillSnippet(sriTemplate, {...realConfig, integrity: bundle.integrity})), {ecmaVersion: 5}));
  assert.doesNotThrow(() => parse(readFileSync('dist/loader.min.js', 'utf8'), {ecmaVersion: 5}));
  assert.throws(() => parse('const x = () => 1;', {ecmaVersion: 5}), 'the check rejects ES2015');
});

test('filled values cannot break out of the string or the script element', () => {
  const html = fillSnippet(template, {...realConfig, projectKey: `a'b\\c</script><script>alert(1)//`});
  assert.ok(!html.slice(0, -'</script>'.length).includes('</script>'));
  assert.doesNotThrow(() => parse(scriptOf(html), {ecmaVersion: 5}));
  assert.ok(html.includes(`'a\\'b\\\\c\\u003c/script>\\u003cscript>alert(1)//'`));
});

test('fillSnippet refuses a missing key or a non-http URL with a clear error', () => {
  assert.throws(() => fillSnippet(template, {...realConfig, projectKey: ''}), /projectKey must be a non-empty string/);
  assert.throws(() => fillSnippet(template, {...realConfig, ingestPoint: 'javascript:alert(1)'}), /ingestPoint must use http or https/);
  assert.throws(() => fillSnippet(template, {...realConfig, bundleUrl: 'tracker.js'}), /bundleUrl must be an absolute http\(s\) URL/);
});

test('the fill CLI prints the filled snippet', () => {
  const out = execFileSync(process.execPath, [
    'loader/fillSnippet.mjs',
    '--bundle-url', realConfig.bundleUrl,
    '--project-key', realConfig.projectKey,
    '--ingest-point', `${realConfig.ingestPoint}/`,
    '--integrity', 'none',
  ]).toString();
  assert.ok(out.includes(`'${realConfig.bundleUrl}'`));
  assert.ok(out.includes(`['${realConfig.projectKey}','${realConfig.ingestPoint}',{}]`), 'trailing slash of the ingest point dropped');
  assert.ok(!out.includes('{{'));
});

test('dist/bundle.json names the content-hashed bundle and holds its sha384', () => {
  assert.match(bundle.file, /^tracker\.[0-9a-f]{12}\.js$/);
  assert.equal(bundle.integrity, integrityOf(readFileSync(`dist/${bundle.file}`)));
  assert.ok(readFileSync(`dist/${bundle.file}`, 'utf8').endsWith(`//# sourceMappingURL=${bundle.file}.map\n`));
});

test('the integrity is written after the init options, where the snippet reads it', () => {
  const html = fillSnippet(sriTemplate, {...realConfig, options: {maskAllText: true}, integrity: bundle.integrity});
  assert.ok(html.includes(`'${realConfig.ingestPoint}',{"maskAllText":true},'${bundle.integrity}']`));
  assert.ok(html.includes('.integrity='));
});

test('fillSnippet refuses integrity for the snippet that would drop it, and a malformed hash', () => {
  assert.throws(() => fillSnippet(template, {...realConfig, integrity: bundle.integrity}), /fill dist\/snippet-sri\.html/);
  assert.throws(() => fillSnippet(sriTemplate, {...realConfig, integrity: "sha384-x',alert(1),'"}), /integrity must be sha384-/);
  assert.throws(() => fillSnippet(sriTemplate, {...realConfig, integrity: bundle.integrity.replace('sha384', 'sha256')}), /integrity must be sha384-/);
});

test('the fill CLI sets the integrity of the versioned bundle its URL names', () => {
  const bundleUrl = `https://cdn.example.com/replay/${bundle.file}`;
  const out = execFileSync(process.execPath, [
    'loader/fillSnippet.mjs',
    '--bundle-url', bundleUrl,
    '--project-key', realConfig.projectKey,
    '--ingest-point', realConfig.ingestPoint,
  ]).toString();
  assert.ok(out.includes(`,{},'${bundle.integrity}']`));
  assert.ok(out.includes('.integrity='));
});

test('the fill CLI refuses to guess the integrity of a bundle it does not know', () => {
  const run = spawnSync(process.execPath, [
    'loader/fillSnippet.mjs',
    '--bundle-url', 'https://cdn.example.com/other/tracker.js',
    '--project-key', realConfig.projectKey,
    '--ingest-point', realConfig.ingestPoint,
  ]);
  assert.equal(run.status, 2);
  assert.match(run.stderr.toString(), /cannot tell the integrity of https:\/\/cdn\.example\.com\/other\/tracker\.js/);
  assert.equal(run.stdout.toString(), '');
});

test('the fill CLI hashes the file given with --bundle-file', () => {
  const out = execFileSync(process.execPath, [
    'loader/fillSnippet.mjs',
    '--bundle-url', 'https://cdn.example.com/other/tracker.js',
    '--bundle-file', 'dist/tracker.js',
    '--project-key', realConfig.projectKey,
    '--ingest-point', realConfig.ingestPoint,
  ]).toString();
  assert.ok(out.includes(`,{},'${integrityOf(readFileSync('dist/tracker.js'))}']`));
});
