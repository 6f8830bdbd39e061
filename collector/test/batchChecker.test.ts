// The batch checker in its worker threads (dist/collector-worker.js, built
// by `node build.mjs`, which `npm test` runs first): the same answers as on
// the main thread, and a thread that dies costs only its own batches.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';
import {createBatchChecker} from '../ingest/createBatchChecker';
import {HttpError} from '../lib/httpError';

const WORKER = resolve('dist/collector-worker.js');
const events = [
  {type: 4, timestamp: 10, data: {href: 'http://shop.test/'}},
  {type: 3, timestamp: 12, data: {source: 1}},
  {type: 5, timestamp: 11, data: {tag: 'tracker.error', payload: {message: 'boom'}}},
];

function workerChecker(threads = 1) {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run node build.mjs first`);
  return createBatchChecker({maxInflatedBytes: 1024 * 1024, workerUrl: pathToFileURL(WORKER), threads});
}

test('a gzipped batch is inflated and scanned in a worker thread', async () => {
  const checker = workerChecker();
  try {
    const json = Buffer.from(JSON.stringify(events));
    const {json: inflated, scan} = await checker.check(gzipSync(json), true);
    assert.deepEqual(inflated, json);
    assert.equal(scan.eventCount, 3);
    assert.deepEqual([scan.firstEventAt, scan.lastEventAt], [10, 12]);
    assert.deepEqual(scan.notable, [events[0], events[2]]);
  } finally {
    await checker.close();
  }
});

test('a worker thread refuses what the main thread refuses, with the same status and reason', async () => {
  const worker = workerChecker();
  const inline = createBatchChecker({maxInflatedBytes: 1024 * 1024, workerUrl: null});
  const bodies: Array<[Buffer, boolean]> = [
    [Buffer.from('[{"type":9,"timestamp":1}]'), false],
    [Buffer.from('not json'), false],
    [Buffer.from('not gzip at all'), true],
    [gzipSync(Buffer.alloc(2 * 1024 * 1024, 0x20)), true],
  ];
  try {
    for (const [body, gzip] of bodies) {
      const refusal = async (checker: typeof worker) => {
        const error = await checker.check(body, gzip).then(
          () => null,
          (error) => error,
        );
        assert.ok(error instanceof HttpError, `not refused: ${body.subarray(0, 20)}`);
        return [error.status, error.message];
      };
      assert.deepEqual(await refusal(worker), await refusal(inline));
    }
    // The last one inflates past the limit.
    assert.equal((await worker.check(bodies[3][0], true).catch((error) => error)).status, 413);
  } finally {
    await worker.close();
  }
});

test('a batch whose worker thread dies is answered 503, and a new thread checks the next ones', async () => {
  const checker = workerChecker();
  try {
    // A batch big enough to be under way when the thread is stopped.
    const big = gzipSync(Buffer.from(JSON.stringify(Array.from({length: 20_000}, (_, i) => ({type: 3, timestamp: i, data: {text: 'x'.repeat(40)}})))));
    const threads = (checker as unknown as {threadsForTests(): Array<{terminate(): Promise<number>}>}).threadsForTests();
    const underWay = checker.check(big, true);
    await threads[0].terminate();
    const error = await underWay.then(
      () => null,
      (error) => error,
    );
    assert.ok(error instanceof HttpError);
    assert.equal(error.status, 503);
    assert.equal(error.headers['Retry-After'], '1');
    assert.equal((await checker.check(Buffer.from(JSON.stringify(events)), false)).scan.eventCount, 3);
  } finally {
    await checker.close();
  }
});
