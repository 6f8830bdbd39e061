// The transport's memory cap, outside a browser: fetch is a stand-in the test
// controls, so the order of events is certain.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {createTransport, type Lost} from '../transport';



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
      transport.enqueue([{type: 5, data: {tag: 'tracker.gap', payload: report}, timestamp: Date.now()}]);
    },
    onDelivered() {},
  });
  try {
    transport.enqueue([event(50_000)]); // a big snapshot, in flight
    await new Promise((resolve) => setTimeout(resolve, 20));
    pending.shift()?.(); // its first try fails: a backlog now, and it is retried (in flight again)
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < 5; i++) transport.enqueue([event(2_000)]);
    assert.ok(lost.length >= 1 && lost.length <= 5, `reported ${lost.length} losses`);
    assert.ok(transport.bufferedBytes() < 60_000);
  } finally {
    collectorUp = true;
    for (const fail of pending.splice(0)) fail();
    await transport.drain(2000);
    globalThis.fetch = realFetch;
  }
});
