// A fault-injecting HTTP proxy in front of the collector: the tracker talks to
// it as its ingest point, and the test decides what the "network" does.
import {createServer, request as forward, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

export interface Proxy {
  url: string;
  /** Probability (0..1) that a batch request is answered 503 instead of forwarded. */
  failRate: number;
  /** While true, every request is answered 503. */
  down: boolean;
  /** Answers for the next batch requests, in order, instead of forwarding them. */
  scripted: Array<{status: number; headers?: Record<string, string>}>;
  /** When each batch request arrived (ms), and its query. */
  batchLog: Array<{at: number; query: string}>;
  /** Batch requests answered 503 by the proxy, and forwarded. */
  failed: number;
  forwarded: number;
  /** Bytes of batch request bodies as they crossed the wire. */
  batchBytes: number;
  stop(): Promise<void>;
}

export async function startProxy(target: string): Promise<Proxy> {
  const upstream = new URL(target);
  const proxy: Proxy = {
    url: '',
    failRate: 0,
    down: false,
    scripted: [],
    batchLog: [],
    failed: 0,
    forwarded: 0,
    batchBytes: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const cors = (request: IncomingMessage) => ({
    'Access-Control-Allow-Origin': String(request.headers.origin ?? '*'),
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Expose-Headers': 'Retry-After',
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const isBatch = request.url?.startsWith('/v1/web/i') && request.method === 'POST';
    if (isBatch) proxy.batchLog.push({at: Date.now(), query: request.url!.split('?')[1] ?? ''});
    const scripted = isBatch ? proxy.scripted.shift() : undefined;
    if (scripted) {
      request.resume();
      response.writeHead(scripted.status, {'Content-Type': 'application/json', ...cors(request), ...scripted.headers});
      response.end(JSON.stringify({error: `scripted ${scripted.status}`}));
      return;
    }
    const fail = proxy.down || (isBatch && Math.random() < proxy.failRate);
    if (fail && request.method !== 'OPTIONS') {
      if (isBatch) proxy.failed++;
      request.resume();
      response.writeHead(503, {'Content-Type': 'application/json', ...cors(request)});
      response.end(JSON.stringify({error: 'injected failure'}));
      return;
    }
    if (isBatch) proxy.forwarded++;
    const outgoing = forward(
      {host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers},
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => {
      response.writeHead(502, {'Content-Type': 'application/json', ...cors(request)});
      response.end(JSON.stringify({error: 'collector unreachable from proxy'}));
    });
    request.on('data', (chunk: Buffer) => {
      if (isBatch) proxy.batchBytes += chunk.length;
    });
    request.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
