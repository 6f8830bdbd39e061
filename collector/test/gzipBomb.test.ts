// Alone in its file: node runs each test file in its own process, so the
// peak memory measured here is this test's.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createGzip} from 'node:zlib';
import {collectorFor, getJson, sendBatch, startSession} from './helpers';

async function gzippedZeros(bytes: number): Promise<Buffer> {
  const gzip = createGzip({level: 9});
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => gzip.on('end', resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += zeros.length) {
    if (!gzip.write(zeros)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

test('a gzip bomb (1 GiB of zeros in 1 MB) is refused with 413 quickly and with bounded memory', async () => {
  const {url} = await collectorFor();
  const grant = await startSession(url);
  const bomb = await gzippedZeros(1024 ** 3);
  assert.ok(bomb.length < 4 * 1024 * 1024, 'the bomb itself is within the compressed limit');

  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const {status, json} = await sendBatch(url, grant.sessionToken, 1, 0, [], {body: bomb, headers: {'Content-Encoding': 'gzip'}});
  const elapsed = performance.now() - started;
  const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;

  assert.equal(status, 413);
  assert.match(json.error, /inflates to more than the 32 MiB/);
  // Inflating it whole would take a gigabyte and seconds; the limit is 32 MiB.
  assert.ok(peakGrowth < 200 * 1024 * 1024, `peak memory grew by ${Math.round(peakGrowth / 1024 / 1024)} MiB`);
  assert.ok(elapsed < 3000, `took ${Math.round(elapsed)} ms`);
  const {json: session} = await getJson(url, `/api/sessions/${grant.sessionID}`);
  assert.equal(session.pages[0].eventCount, 0);
});
