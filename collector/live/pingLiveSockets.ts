// Finds agents' connections lost without a close (a laptop lid shut, a
// network gone): every `intervalMs` each socket is pinged, and a socket that
// did not answer the previous ping is ended. A lost connection is thus found
// within two intervals.
import type {WebSocket} from 'ws';

export function pingLiveSockets(sockets: () => Iterable<WebSocket>, intervalMs: number): () => void {
  const waiting = new WeakSet<WebSocket>();
  const timer = setInterval(() => {
    for (const socket of sockets()) {
      if (socket.readyState !== socket.OPEN) continue;
      if (waiting.has(socket)) {
        socket.terminate();
        continue;
      }
      if (!socket.listenerCount('pong')) socket.on('pong', () => waiting.delete(socket));
      waiting.add(socket);
      socket.ping();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
