// A load balancer of the simplest kind in front of several collectors: each
// request goes to the next one in turn, whatever it is. It remembers which
// collector took each batch, so a test can show that one session's batches
// were spread over all of them; and which took each WebSocket upgrade (Assist's
// live channels), passed through as nginx does with `Upgrade`/`Connection`.
import {createServer, request as forward, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

export interface RoundRobin {
  url: string;
  /** For each batch request, in arrival order: the index of the collector that took it, and its query. */
  batches: Array<{upstream: number; query: string}>;
  /** For each WebSocket upgrade, in arrival order: the index of the collector that took it, and its path. */
  upgrades: Array<{upstream: number; path: string}>;
  stop(): Promise<void>;
}

export async function startRoundRobin(targets: string[]): Promise<RoundRobin> {
  const upstreams = targets.map((target) => new URL(target));
  // Preflights take turns among themselves: else, with one preflight before
  // each batch, every batch could land on the same collector.
  const turns = {preflight: 0, other: 0};
  const balancer: RoundRobin = {
    url: '',
    batches: [],
    upgrades: [],
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const index = turns[request.method === 'OPTIONS' ? 'preflight' : 'other']++ % upstreams.length;
    const upstream = upstreams[index];
    if (request.method === 'POST' && request.url?.startsWith('/v1/web/i')) balancer.batches.push({upstream: index, query: request.url.split('?')[1] ?? ''});
    const outgoing = forward({host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers}, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on('error', () => {
      if (!response.headersSent) response.writeHead(502, {'Content-Type': 'application/json'});
      response.end(JSON.stringify({error: 'collector unreachable from the balancer'}));
    });
    request.pipe(outgoing);
  });
  // An upgrade: the request goes on as it came; once the collector answers
  // 101, the two sockets are joined and bytes flow both ways untouched.
  server.on('upgrade', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const index = turns.other++ % upstreams.length;
    const upstream = upstreams[index];
    balancer.upgrades.push({upstream: index, path: request.url ?? ''});
    const outgoing = forward({host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers});
    const statusLine = (answer: IncomingMessage) =>
      `HTTP/1.1 ${answer.statusCode} ${answer.statusMessage}\r\n${Object.entries(answer.headers)
        .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${name}: ${one}\r\n`))
        .join('')}\r\n`;
    outgoing.on('upgrade', (answer, collector: Socket, collectorHead: Buffer) => {
      client.write(statusLine(answer));
      if (collectorHead.length) client.write(collectorHead);
      if (head.length) collector.write(head);
      collector.pipe(client).pipe(collector);
      collector.on('error', () => client.destroy());
      client.on('error', () => collector.destroy());
    });
    // A refusal (401, 403, 429...) goes back as it is.
    outgoing.on('response', (answer) => {
      client.write(statusLine(answer));
      answer.pipe(client);
    });
    outgoing.on('error', () => client.destroy());
    client.on('error', () => outgoing.destroy());
    outgoing.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  balancer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return balancer;
}
