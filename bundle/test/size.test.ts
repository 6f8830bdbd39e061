// The bundle's size budget (issue: recording and delivery): rrweb's recorder,
// web-vitals and our code together.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {gzipSync} from 'node:zlib';

test('dist/tracker.js is at most 33 KiB gzipped (with capture, sampling, record on error and frustration signals)', () => {
  const size = gzipSync(readFileSync('dist/tracker.js'), {level: 9}).length;
  assert.ok(size <= 33 * 1024, `tracker.js is ${size} bytes gzipped`);
});

test('dist/tracker-canvas.js, loaded only with captureCanvas, needs no worker and no eval', () => {
  const code = readFileSync('dist/tracker-canvas.js', 'utf8');
  assert.doesNotMatch(code, /new Worker|createObjectURL|\beval\(|new Function\(/);
});

test('the bundle carries none of rrweb\'s canvas recording code', () => {
  const code = readFileSync('dist/tracker.js', 'utf8');
  assert.doesNotMatch(code, /preserveDrawingBuffer:!0\}\)|rr_type/);
});

test('the bundle needs no eval, no Function constructor and no blob: worker', () => {
  const code = readFileSync('dist/tracker.js', 'utf8');
  assert.doesNotMatch(code, /\beval\(/);
  assert.doesNotMatch(code, /new Function\(/);
  // rrweb's canvas worker source is stripped at build time; its wrapper would
  // only run with recordCanvas, which the tracker never sets.
  assert.doesNotMatch(code, /OffscreenCanvas/);
});

test('Assist\'s dialog and control live in dist/tracker-assist.js, not in the bundle', () => {
  const bundle = readFileSync('dist/tracker.js', 'utf8');
  const assist = readFileSync('dist/tracker-assist.js', 'utf8');
  // The bundle holds only the live channel: it loads tracker-assist.js by name.
  assert.match(bundle, /\/v1\/web\/live/);
  for (const onlyInAssist of ['Allow remote control?', 'End control', 'aria-modal', 'requestSubmit']) {
    assert.ok(assist.includes(onlyInAssist), `tracker-assist.js has ${onlyInAssist}`);
    assert.ok(!bundle.includes(onlyInAssist), `tracker.js has ${onlyInAssist}`);
  }
  assert.doesNotMatch(assist, /\beval\(|new Function\(|innerHTML|insertAdjacentHTML|outerHTML\s*=/);
});
