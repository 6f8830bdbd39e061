// bundle/deliveryWorker.ts: when the page starts the delivery worker, and what
// happens to its jobs when it is not there (yet, or any more). Worker is a
// stand-in the test drives.
import {test, beforeEach, afterEach} from 'node:test';
import assert from 'node:assert/strict';
import {startDeliveryWorker, WORKER_READY} from '../deliveryWorker';

class FakeWorker {
  static started: FakeWorker[] = [];
  onmessage: ((event: {data: unknown}) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onmessageerror: ((event: Event) => void) | null = null;
  posted: Array<{id: number}> = [];
  terminated = false;
  constructor(readonly url: URL) {
    FakeWorker.started.push(this);
  }
  postMessage(message: {id: number}) {
    this.posted.push(message);
  }
  terminate() {
    this.terminated = true;
  }
  say(data: unknown) {
    this.onmessage?.({data});
  }
}

const script = (src: string, nonce = '') => ({src, nonce}) as HTMLScriptElement;
const globals = globalThis as unknown as {Worker?: unknown; location?: unknown};

beforeEach(() => {
  FakeWorker.started = [];
  globals.Worker = FakeWorker;
  globals.location = {origin: 'https://shop.example', href: 'https://shop.example/cart'};
});
afterEach(() => {
  delete globals.Worker;
  delete globals.location;
});

test('the worker file beside a bundle of the page\'s own origin is started', () => {
  assert.ok(startDeliveryWorker(script('https://shop.example/static/tracker.3f2a.js')));
  assert.equal(FakeWorker.started[0].url.href, 'https://shop.example/static/tracker-worker.js');
});

test('no worker for a bundle from another origin, one with a nonce, or without a script', () => {
  assert.equal(startDeliveryWorker(script('https://cdn.example/tracker.js')), null);
  assert.equal(startDeliveryWorker(script('https://shop.example/tracker.js', 'abc123')), null);
  assert.equal(startDeliveryWorker(null), null);
  assert.equal(FakeWorker.started.length, 0);
});

test('until the worker says it is ready, every job is left to the page', async () => {
  const worker = startDeliveryWorker(script('https://shop.example/tracker.js'))!;
  assert.equal(worker.available(), false);
  assert.equal(worker.compress('[]'), null);
  assert.equal(worker.post('https://collector.example/v1/web/i?page=1&seq=0', {}, '[]', true), null);
  FakeWorker.started[0].say(WORKER_READY);
  assert.equal(worker.available(), true);
  const job = worker.compress('[]')!;
  const [message] = FakeWorker.started[0].posted;
  FakeWorker.started[0].say({id: message.id, result: new Uint8Array([1, 2])});
  assert.deepEqual(await job, new Uint8Array([1, 2]));
});

test('a worker that fails gives its jobs under way back, and takes no more', async () => {
  const worker = startDeliveryWorker(script('https://shop.example/tracker.js'))!;
  const fake = FakeWorker.started[0];
  fake.say(WORKER_READY);
  const job = worker.post('https://collector.example/v1/web/i?page=1&seq=0', {}, '[]', true)!;
  let prevented = false;
  fake.onerror?.({preventDefault: () => (prevented = true)} as unknown as Event);
  await assert.rejects(job, /stopped/);
  assert.ok(prevented, 'the page\'s console is not filled');
  assert.ok(fake.terminated);
  assert.equal(worker.compress('[]'), null);
});

test('a job answered with an error is rejected, so that the page does it instead', async () => {
  const worker = startDeliveryWorker(script('https://shop.example/tracker.js'))!;
  const fake = FakeWorker.started[0];
  fake.say(WORKER_READY);
  const job = worker.compress('[]')!;
  fake.say({id: fake.posted[0].id, error: 'TypeError: CompressionStream is not defined'});
  await assert.rejects(job, /CompressionStream/);
  const next = worker.compress('[]');
  assert.ok(next, 'the worker stays for the next job');
  fake.say({id: fake.posted[1].id, result: new Uint8Array([3])});
  assert.deepEqual(await next, new Uint8Array([3]));
});

test('a batch to gzip and send is one message to the worker, and one answer back', async () => {
  const worker = startDeliveryWorker(script('https://shop.example/tracker.js'))!;
  const fake = FakeWorker.started[0];
  fake.say(WORKER_READY);
  const job = worker.post('https://collector.example/v1/web/i?page=1&seq=0', {Authorization: 'Bearer t'}, '[{"type":3}]', true)!;
  assert.equal(fake.posted.length, 1);
  assert.deepEqual(fake.posted[0], {id: fake.posted[0].id, url: 'https://collector.example/v1/web/i?page=1&seq=0', headers: {Authorization: 'Bearer t'}, body: '[{"type":3}]', gzip: true});
  const answer = {status: 503, text: 'busy', retryAfter: '2'};
  fake.say({id: fake.posted[0].id, result: {answer, gzip: new Uint8Array([31, 139])}});
  assert.deepEqual(await job, {answer, gzip: new Uint8Array([31, 139])});
});
