// The built snippet: size budget, ES5 only, placeholders and filling.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';
import {execFileSync} from 'node:child_process';
import {pathToFileURL} from 'node:url';
import {parse} from 'acorn';

// Imported at run time, not bundled into the test: bundled, its CLI branch
// would think it was run as a program.
const {fillSnippet} = await import(pathToFileURL('loader/fillSnippet.mjs').href);

const template = readFileSync('dist/snippet.html', 'utf8');
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

test('the snippet has exactly the three placeholders', () => {
  const placeholders = template.match(/\{\{[A-Z_]+\}\}/g);
  assert.deepEqual(placeholders?.sort(), ['{{BUNDLE_URL}}', '{{INGEST_POINT}}', '{{PROJECT_KEY}}']);
});

test('the snippet and dist/loader.min.js parse as ES5', () => {
  assert.doesNotThrow(() => parse(scriptOf(template), {ecmaVersion: 5}));
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
  ]).toString();
  assert.ok(out.includes(`'${realConfig.bundleUrl}'`));
  assert.ok(out.includes(`['${realConfig.projectKey}','${realConfig.ingestPoint}',{}]`), 'trailing slash of the ingest point dropped');
  assert.ok(!out.includes('{{'));
});
