// bundle/compressBatch.ts: what the collector receives is the batch's JSON, gzipped.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {gunzipSync} from 'node:zlib';
import {compressBatch} from '../compressBatch';

test('a gzipped batch unpacks to the very JSON, non-ASCII text included', async () => {
  const json = JSON.stringify([{type: 3, data: {text: 'Grüße, 東京 ✓ '.repeat(5000)}, timestamp: 1}]);
  const gzip = await compressBatch(json);
  assert.ok(gzip.byteLength < json.length / 10);
  assert.equal(gunzipSync(gzip).toString('utf8'), json);
});
