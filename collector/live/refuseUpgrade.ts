// Answers a WebSocket upgrade with an HTTP error and closes the connection:
// the client sees the status (401, 403, 404, 429) instead of a socket that
// opens and closes at once.
import {STATUS_CODES} from 'node:http';
import type {Duplex} from 'node:stream';

export function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({error: message});
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json',
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  // A client that never reads must not keep the connection.
  setTimeout(() => socket.destroy(), 1000).unref();
}
