// What scripts/browserBundle.mjs and build.mjs promise about the built tracker
// files beyond their size (size.test.ts): the delivery worker file, and
// rrweb's serialized nodes kept as fast objects.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';

test('dist/tracker-worker.js, started beside the bundle, needs no eval and starts no worker of its own', () => {
  const code = readFileSync('dist/tracker-worker.js', 'utf8');
  assert.doesNotMatch(code, /new Worker|createObjectURL|\beval\(|new Function\(/);
  assert.match(code, /CompressionStream/);
});

test('rrweb no longer deletes needBlock from the nodes it serializes (a deleted property makes JSON.stringify 2.5x slower)', () => {
  for (const file of ['dist/tracker.js', 'dist/tracker.mjs']) {
    const code = readFileSync(file, 'utf8');
    assert.doesNotMatch(code, /delete [\w$.]+\.needBlock/, file);
    assert.match(code, /\.needBlock=void 0/, file);
  }
});
