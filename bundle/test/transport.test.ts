// The transport outside a browser: fetch (and the delivery worker) are
// stand-ins the test controls, so the order of events is certain.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {gunzipSync} from 'node:zlib';
import {createTransport, type Lost, type TransportOptions} from '../transport';
import {createBatcher, encodeEvents} from '../batcher';
import type {DeliveryWorker} from '../deliveryWorker';
import type {Answer} from '../postBatch';

interface Call {
  url: string;
  keepalive: boolean;
  body: string | Uint8Array;
}

/** Replaces fetch for the test's duration; `answer` decides each response. */
function stubFetch(answer: (call: Call, index: number) => Promise<Response>) {
  const calls: Call[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((url: string, init: RequestInit) => {
    const call = {url, keepalive: !!init.keepalive, body: init.body as string | Uint8Array};
    calls.push(call);
    return answer(call, calls.length - 1);
  }) as typeof fetch;
  return {calls, restore: () => (globalThis.fetch = realFetch)};
}

const stored = () => Promise.resolve(new Response('{"ok":true}', {status: 200}));

function transportWith(extra: Partial<TransportOptions> = {}) {
  return createTransport({
    ingestPoint: 'http://collector.test',
    credentials: {token: 't', pageID: 1},
    maxBufferBytes: 1_000_000,
    maxRetryDelayMs: 10,
    renewCredentials: async () => null,
    onLost() {},
    onDelivered() {},
    ...extra,
  });
}

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : gunzipSync(body).toString());

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), 'timed out');
};

// Random text: batches are gzipped, and the cap counts compressed bytes.
const event = (bytes: number) => ({type: 3, data: {text: randomBytes(bytes).toString('base64').slice(0, bytes)}, timestamp: Date.now()});

test('a batch in flight larger than the cap does not make the drop-and-report loop recurse', async () => {
  const pending: Array<() => void> = [];
  let collectorUp = false;
  const realFetch = globalThis.fetch;
  // Requests hang until the test fails them, as with a collector that is down; once it is up, they are stored.
  globalThis.fetch = (() =>
    collectorUp
      ? Promise.resolve(new Response('{"ok":true}', {status: 200}))
      : new Promise((_, reject) => pending.push(() => reject(new TypeError('Failed to fetch'))))) as typeof fetch;
  const lost: Lost[] = [];
  const transport = createTransport({
    ingestPoint: 'http://collector.test',
    credentials: {token: 't', pageID: 1},
    maxBufferBytes: 10_000,
    maxRetryDelayMs: 10,
    renewCredentials: async () => null,
    onLost(report) {
      lost.push(report);
      transport.enqueue(encodeEvents([{type: 5, data: {tag: 'tracker.gap', payload: report}, timestamp: Date.now()}]));
    },
    onDelivered() {},
  });
  try {
    // Waited for, not slept on: gzipping 50 KB takes longer on a loaded machine.
    const inFlight = async () => {
      for (let waited = 0; !pending.length; waited += 5) {
        assert.ok(waited < 5000, 'no request was made');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    transport.enqueue(encodeEvents([event(50_000)])); // a big snapshot, in flight
    await inFlight();
    pending.shift()!(); // its first try fails: a backlog now, and it is retried (in flight again)
    await inFlight();
    for (let i = 0; i < 5; i++) transport.enqueue(encodeEvents([event(2_000)]));
    assert.ok(lost.length >= 1 && lost.length <= 5, `reported ${lost.length} losses`);
    assert.ok(transport.bufferedBytes() < 60_000);
  } finally {
    collectorUp = true;
    for (const fail of pending.splice(0)) fail();
    await transport.drain(2000);
    globalThis.fetch = realFetch;
  }
});

test('a retry sends the very bytes of the first try: the batch is not stringified again', async () => {
  const fetches = stubFetch((_, index) => (index === 0 ? Promise.resolve(new Response('down', {status: 503})) : stored()));
  const realStringify = JSON.stringify;
  let stringified = 0;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => (stringified++, realStringify(...args))) as typeof JSON.stringify;
  try {
    const transport = transportWith();
    transport.enqueue(encodeEvents([event(100), event(100)]));
    const afterEnqueue = stringified;
    await until(() => transport.sentBatches() === 1);
    assert.equal(fetches.calls.length, 2);
    assert.deepEqual(fetches.calls[1].body, fetches.calls[0].body);
    assert.equal(stringified, afterEnqueue);
  } finally {
    JSON.stringify = realStringify;
    fetches.restore();
  }
});

const gzipOf = (json: string) => new Response(new Response(json).body!.pipeThrough(new CompressionStream('gzip'))).arrayBuffer().then((buffer) => new Uint8Array(buffer));

interface WorkerJob {
  url: string;
  body: string | Uint8Array;
  gzip: boolean;
}

/**
 * A stand-in delivery worker: compresses for real, and answers requests as
 * `answer` says; like the real one, it gives back the gzip it made for a
 * batch that was not stored.
 */
function fakeWorker(answer: (url: string) => Promise<Answer> | null) {
  const posted: string[] = [];
  const jobs: WorkerJob[] = [];
  let compressed = 0;
  const worker: DeliveryWorker = {
    available: () => true,
    compress: (json) => (compressed++, gzipOf(json)),
    post: (url, _headers, body, gzip) => {
      posted.push(url);
      jobs.push({url, body, gzip});
      const answered = answer(url);
      if (!answered) return null;
      return Promise.all([answered, gzip && typeof body === 'string' ? gzipOf(body) : undefined]).then(([answer, made]) =>
        answer.status >= 200 && answer.status < 300 ? {answer} : {answer, gzip: made},
      );
    },
  };
  return {worker, posted, jobs, compressed: () => compressed};
}

test('with the delivery worker, the batch is gzipped and sent there, and the page makes no request', async () => {
  const fetches = stubFetch(stored);
  try {
    const {worker, posted} = fakeWorker(async () => ({status: 200, text: '', retryAfter: null}));
    const transport = transportWith({worker});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => transport.sentBatches() === 1);
    assert.equal(posted.length, 1);
    assert.equal(fetches.calls.length, 0);
  } finally {
    fetches.restore();
  }
});

test('a batch sent at once is gzipped and sent by the worker in one round trip, not compressed ahead', async () => {
  const fetches = stubFetch(stored);
  try {
    const {worker, jobs, compressed} = fakeWorker(async () => ({status: 200, text: '', retryAfter: null}));
    const transport = transportWith({worker});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => transport.sentBatches() === 1);
    assert.equal(compressed(), 0);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].gzip, true);
    assert.match(jobs[0].body as string, /^\[\{"type":3/);
  } finally {
    fetches.restore();
  }
});

test('a batch the collector did not store keeps the gzip the worker made: the retry sends those bytes, and the cap counts them', async () => {
  const fetches = stubFetch(stored);
  try {
    let tries = 0;
    let release: () => void = () => {};
    const retried = new Promise<void>((resolve) => (release = resolve));
    const {worker, jobs} = fakeWorker(async () => {
      if (tries++ === 0) return {status: 503, text: 'busy', retryAfter: null};
      await retried;
      return {status: 200, text: '', retryAfter: null};
    });
    const transport = transportWith({worker});
    transport.enqueue(encodeEvents([event(3000)]));
    await until(() => jobs.length === 2);
    const json = jobs[0].body as string;
    assert.equal(jobs[1].gzip, false);
    assert.ok(jobs[1].body instanceof Uint8Array, 'the gzip from the first try');
    assert.equal(text(jobs[1].body), json);
    assert.equal(transport.bufferedBytes(), (jobs[1].body as Uint8Array).byteLength);
    release();
    await until(() => transport.sentBatches() === 1);
    assert.equal(fetches.calls.length, 0);
  } finally {
    fetches.restore();
  }
});

test('batches queued behind one under way are gzipped ahead, so that a backlog is held compressed', async () => {
  const fetches = stubFetch(stored);
  try {
    let answerFirst: (answer: Answer) => void = () => {};
    const {worker, jobs, compressed} = fakeWorker((url) =>
      url.endsWith('seq=0') ? new Promise((resolve) => (answerFirst = resolve)) : Promise.resolve({status: 200, text: '', retryAfter: null}),
    );
    const transport = transportWith({worker});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => jobs.length === 1);
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => compressed() === 1);
    answerFirst({status: 200, text: '', retryAfter: null});
    await until(() => transport.sentBatches() === 2);
    assert.equal(jobs[1].gzip, false);
    assert.ok(jobs[1].body instanceof Uint8Array);
  } finally {
    fetches.restore();
  }
});

test('a delivery worker that fails hands its jobs back: the page compresses and sends the batch itself', async () => {
  const fetches = stubFetch(stored);
  try {
    const failing: DeliveryWorker = {
      available: () => true,
      compress: () => Promise.reject(new Error('the delivery worker stopped')),
      post: () => Promise.reject(new Error('the delivery worker stopped')),
    };
    const transport = transportWith({worker: failing});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => transport.sentBatches() === 1);
    assert.equal(fetches.calls.length, 1);
    assert.ok(fetches.calls[0].body instanceof Uint8Array, 'gzipped by the page');
    assert.match(text(fetches.calls[0].body), /"type":3/);
  } finally {
    fetches.restore();
  }
});

test('the worker answering a network error is a retry with backoff, not a second request from the page at once', async () => {
  const fetches = stubFetch(stored);
  try {
    let tries = 0;
    const {worker} = fakeWorker(async () => (tries++ ? {status: 200, text: '', retryAfter: null} : {status: 0, text: 'TypeError: Failed to fetch', retryAfter: null}));
    const transport = transportWith({worker});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => transport.sentBatches() === 1);
    assert.equal(tries, 2);
    assert.equal(fetches.calls.length, 0);
  } finally {
    fetches.restore();
  }
});

test('on hide, a batch the worker has under way goes again from the page with keepalive, and counts once', async () => {
  const fetches = stubFetch(stored);
  try {
    let answerWorker: (answer: Answer) => void = () => {};
    const {worker, posted} = fakeWorker(() => new Promise((resolve) => (answerWorker = resolve)));
    let delivered = 0;
    const transport = transportWith({worker, onDelivered: () => delivered++});
    transport.enqueue(encodeEvents([event(100)]));
    await until(() => posted.length === 1);
    transport.flushOnHide(encodeEvents([event(50)]), () => {});
    assert.equal(fetches.calls.length, 2, 'the batch under way and the events buffered');
    assert.ok(fetches.calls.every((call) => call.keepalive));
    assert.equal(new URL(fetches.calls[0].url).searchParams.get('seq'), new URL(posted[0]).searchParams.get('seq'));
    await until(() => transport.sentBatches() === 2);
    answerWorker({status: 200, text: '', retryAfter: null}); // the collector acknowledges the duplicate
    await transport.drain(500);
    assert.equal(transport.sentBatches(), 2);
    assert.equal(delivered, 2);
    assert.equal(transport.bufferedBytes(), 0);
  } finally {
    fetches.restore();
  }
});

// Firefox cancels a closing tab's running script: a hide handler can stop at
// any point, and the next hide event's handler runs (e2e/engines, "the last
// batch is stored when the tab closes right after a burst of typing").
test('a hide flush stopped at any point loses no event and sends none twice: the next one finishes it', async () => {
  for (const stop of ['before the hide flush', 'before the batcher forgets', 'after the batcher forgot']) {
    const fetches = stubFetch(stored);
    try {
      const transport = transportWith();
      const batcher = createBatcher({flushIntervalMs: 60_000, maxBatchEvents: 1000, onBatch: () => assert.fail('no timed flush')});
      for (let i = 0; i < 30; i++) batcher.add(event(4_000));
      const sent = batcher.peek().json.slice();
      const stopped = new Error('stopped');
      const first = () => {
        if (stop === 'before the hide flush') throw stopped;
        transport.flushOnHide(batcher.peek(), () => {
          if (stop === 'after the batcher forgot') batcher.take();
          throw stopped;
        });
      };
      assert.throws(first, stopped);
      transport.flushOnHide(batcher.peek(), batcher.take);
      assert.equal(batcher.peek().json.length, 0);
      await transport.drain(1000);
      const seqOf = (call: Call) => new URL(call.url).searchParams.get('seq');
      const seqs = new Set(fetches.calls.map(seqOf));
      const events = [...seqs].flatMap((seq) => JSON.parse(text(fetches.calls.find((call) => seqOf(call) === seq)!.body)));
      assert.deepEqual(events.map((e: {data: unknown}) => JSON.stringify(e)), sent.map((json) => JSON.stringify(JSON.parse(json))), stop);
      assert.ok(seqs.size > 1, 'split to fit the keepalive budget');
      assert.equal(transport.bufferedBytes(), 0);
    } finally {
      fetches.restore();
    }
  }
});

test('batches waiting behind a big one being sent, to a collector that answers, are not dropped by the cap', async () => {
  // The first request takes a while (a big snapshot on a slow link); every one is stored.
  const fetches = stubFetch((_, index) => (index === 0 ? new Promise((resolve) => setTimeout(() => resolve(new Response('{"ok":true}', {status: 200})), 100)) : stored()));
  const lost: Lost[] = [];
  try {
    const transport = transportWith({maxBufferBytes: 10_000, onLost: (report) => lost.push(report)});
    transport.enqueue(encodeEvents([event(50_000)]));
    await until(() => fetches.calls.length === 1);
    for (let i = 0; i < 5; i++) transport.enqueue(encodeEvents([event(4_000)]));
    await transport.drain(2000);
    assert.deepEqual(lost, []);
    assert.equal(fetches.calls.length, 6);
    assert.equal(transport.sentBatches(), 6);
  } finally {
    fetches.restore();
  }
});
