// A long answer read slowly (a page's events, streamed batch after batch)
// waits for each full buffer to drain without piling up listeners.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';
import {writeStream} from '../lib/writeStream';

test('a long answer read slowly is sent whole, with no listener left behind at each full buffer', async () => {
  const CHUNKS = 40;
  const chunk = 'x'.repeat(256 * 1024);
  const closeListeners: number[] = [];
  const server = createServer((_req, res) => {
    async function* chunks() {
      for (let i = 0; i < CHUNKS; i++) {
        closeListeners.push(res.listenerCount('close'));
        yield chunk;
      }
    }
    void writeStream(res, chunks(), (error) => assert.fail(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const received = await new Promise<number>((resolve, reject) => {
      request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, async (res) => {
        let bytes = 0;
        res.pause();
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
        // A slow reader: the server's buffer fills again and again.
        for (;;) {
          await sleep(2);
          let data;
          while ((data = res.read()) !== null) bytes += data.length;
          if (res.readableEnded) break;
          if (res.readableLength === 0 && bytes >= CHUNKS * chunk.length) break;
        }
        res.resume();
      })
        .on('error', reject)
        .end();
    });
    assert.equal(received, CHUNKS * chunk.length);
    assert.ok(Math.max(...closeListeners) <= closeListeners[0] + 1, `close listeners per chunk: ${closeListeners.join(' ')}`);
  } finally {
    server.close();
  }
});
