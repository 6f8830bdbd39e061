import {test} from 'node:test';
import assert from 'node:assert/strict';
import {connect, type Socket} from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';
import {ADMIN, collectorFor, events} from './helpers';
import {batchFrom, handshakeFrom} from './opsHelpers';

interface SlowClient {
  socket: Socket;
  closed: boolean;
  received: string;
  stop(): void;
}

// A client that sends its request a few bytes at a time, never finishing:
// the "slowloris" way of holding a connection at almost no cost.
function slowClient(port: number, from: string, start: string, dribble: string, everyMs = 300): SlowClient {
  const socket = connect({host: '127.0.0.1', port, localAddress: from});
  const client: SlowClient = {socket, closed: false, received: '', stop: () => clearInterval(timer)};
  socket.on('connect', () => socket.write(start));
  socket.on('data', (chunk) => (client.received += chunk));
  socket.on('error', () => {});
  socket.on('close', () => {
    client.closed = true;
    clearInterval(timer);
  });
  const timer = setInterval(() => !socket.destroyed && socket.readyState === 'open' && socket.write(dribble), everyMs);
  return client;
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(50);
  }
}

const HEADERS_START = 'POST /v1/web/i?page=1&seq=0 HTTP/1.1\r\nHost: collector\r\n';

// Issue #11: a normal client's batches are stored "within a second" while
// slow clients hold their connections. A batch takes a few milliseconds
// here; on a loaded 2-core machine (three busy loops beside the test, load
// average above 4) the slowest of 50 took 342 ms, a third of the bound. A
// client starved until the slow connections time out would wait two minutes.
const STORED_WITHIN_MS = 1000;

/** Five batches from a normal client, each stored within STORED_WITHIN_MS, and read back. */
async function storesItsBatches(url: string, from: string): Promise<void> {
  const grant = await handshakeFrom(url, from);
  assert.equal(grant.status, 200);
  for (let seq = 0; seq < 5; seq++) {
    const startedAt = Date.now();
    const stored = await batchFrom(url, from, grant.json.sessionToken, 1, seq, events(10, seq * 10));
    assert.equal(stored.status, 200);
    assert.ok(Date.now() - startedAt < STORED_WITHIN_MS, `batch ${seq} took ${Date.now() - startedAt} ms`);
  }
  const session = await fetch(`${url}/api/sessions/${grant.json.sessionID}/events`, {headers: ADMIN}).then((response) => response.json());
  assert.deepEqual(session.pages[0].events, events(50));
}

// 127.0.1.1, 127.0.1.2...: every 127.x address is this machine.
const spreadAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

test('200 slow connections from one address do not stop another client from storing its batches within a second', async (t) => {
  // The cap on connections is smaller than the flood: only the cap per
  // address leaves room for others. Timeouts are long, so the slow
  // connections hold all through the test.
  const {url, port} = await collectorFor({
    rateLimits: {exemptLoopback: false},
    connectionLimits: {maxConnections: 150, maxConnectionsPerAddress: 100, headersTimeoutSeconds: 120, requestTimeoutSeconds: 240},
  });
  const slow = Array.from({length: 200}, (_, i) => slowClient(port, '127.0.0.2', HEADERS_START, `X-Slow-${i}: 1\r\n`));
  t.after(() => slow.forEach((client) => (client.stop(), client.socket.destroy())));
  await until(() => slow.filter((client) => client.closed).length >= 100, '100 connections over the per-address cap closed');
  await sleep(300);
  const holding = slow.filter((client) => !client.closed);
  assert.equal(holding.length, 100, 'the per-address cap holds 100, no more');

  await storesItsBatches(url, '127.0.0.3');
  assert.equal(holding.filter((client) => client.closed).length, 0, 'served while every slow connection was still held');
});

test('200 slow connections spread over 200 addresses do not stop another client from storing its batches within a second', async (t) => {
  // No cap per address can help here (one connection each): the global cap
  // (the default, 1000) leaves room, and the server serves the others.
  const {url, port} = await collectorFor({
    rateLimits: {exemptLoopback: false},
    connectionLimits: {headersTimeoutSeconds: 120, requestTimeoutSeconds: 240},
  });
  const slow = Array.from({length: 200}, (_, i) => slowClient(port, spreadAddress(i), HEADERS_START, `X-Slow-${i}: 1\r\n`));
  t.after(() => slow.forEach((client) => (client.stop(), client.socket.destroy())));
  await until(() => slow.every((client) => client.socket.readyState === 'open' || client.closed), 'the slow connections open');
  await sleep(300);

  await storesItsBatches(url, '127.0.0.3');
  assert.equal(slow.filter((client) => client.closed).length, 0, 'served while every slow connection was still held');
});

test('slow connections spread over many addresses are held to the global connection cap', async (t) => {
  const {port} = await collectorFor({
    rateLimits: {exemptLoopback: false},
    connectionLimits: {maxConnections: 150, maxConnectionsPerAddress: 100, headersTimeoutSeconds: 120, requestTimeoutSeconds: 240},
  });
  const slow = Array.from({length: 200}, (_, i) => slowClient(port, spreadAddress(i), HEADERS_START, `X-Slow-${i}: 1\r\n`));
  t.after(() => slow.forEach((client) => (client.stop(), client.socket.destroy())));
  await until(() => slow.filter((client) => client.closed).length >= 50, '50 connections over the global cap closed');
  await sleep(300);
  assert.equal(slow.filter((client) => !client.closed).length, 150, 'the global cap holds 150, no more');
});

test('a client that dribbles its headers is answered 408 and cut off at the headers timeout', async (t) => {
  const {port} = await collectorFor({connectionLimits: {headersTimeoutSeconds: 1, requestTimeoutSeconds: 60}});
  const client = slowClient(port, '127.0.0.1', HEADERS_START, 'X-Slow: 1\r\n', 200);
  t.after(() => (client.stop(), client.socket.destroy()));
  // Node's own default would hold it for 60 s.
  await until(() => client.closed, 'the slow client cut off');
  assert.match(client.received, /^HTTP\/1\.1 408/);
});

test('a client that dribbles its body is answered 408 and cut off at the request timeout', async (t) => {
  const {url, port} = await collectorFor({connectionLimits: {headersTimeoutSeconds: 1, requestTimeoutSeconds: 2}});
  const grant = await handshakeFrom(url, '127.0.0.1');
  const start = `${HEADERS_START}Authorization: Bearer ${grant.json.sessionToken}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[`;
  const client = slowClient(port, '127.0.0.1', start, '{"type":3,"timestamp":1},', 200);
  t.after(() => (client.stop(), client.socket.destroy()));
  // Node's own default would hold it for 300 s.
  await until(() => client.closed, 'the slow upload cut off');
  assert.match(client.received, /^HTTP\/1\.1 408/);
});
