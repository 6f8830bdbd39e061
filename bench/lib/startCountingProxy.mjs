// A pass-through HTTP proxy in front of the collector that weighs every batch
// (POST /v1/web/i) as it crosses the wire: its body as sent, its request line
// and headers, and its body once decompressed (the events' raw JSON).
import {createServer, request as forward} from 'node:http';
import {gunzipSync} from 'node:zlib';

export async function startCountingProxy(target) {
  const upstream = new URL(target);
  const counts = {batches: 0, bodyBytes: 0, headerBytes: 0, rawJsonBytes: 0, events: 0, plainBatches: 0, preflights: 0, preflightBytes: 0};
  // HTTP/1.1 request line and headers as the browser sent them.
  const headBytes = (request) =>
    `${request.method} ${request.url} HTTP/1.1\r\n`.length + request.rawHeaders.reduce((sum, part) => sum + part.length + 2, 0) + 2;
  const server = createServer((request, response) => {
    const isBatch = request.method === 'POST' && request.url.startsWith('/v1/web/i');
    // The Authorization header makes every batch a CORS request with a preflight
    // (cached by the browser for a while): part of what delivery costs the wire.
    if (request.method === 'OPTIONS' && request.url.startsWith('/v1/web/i')) {
      counts.preflights++;
      counts.preflightBytes += headBytes(request);
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (isBatch) {
        counts.batches++;
        counts.bodyBytes += body.length;
        counts.headerBytes += headBytes(request);
        try {
          const gzipped = /gzip/i.test(request.headers['content-encoding'] ?? '');
          if (!gzipped) counts.plainBatches++;
          const json = gzipped ? gunzipSync(body) : body;
          counts.rawJsonBytes += json.length;
          counts.events += JSON.parse(json.toString('utf8')).length;
        } catch {
          // Not ours to judge: the collector answers malformed batches.
        }
      }
      const outgoing = forward(
        {host: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers},
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      outgoing.on('error', () => {
        response.writeHead(502, {'Access-Control-Allow-Origin': request.headers.origin ?? '*'});
        response.end();
      });
      outgoing.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
