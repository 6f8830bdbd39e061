// Keeps slow or greedy clients from starving the others:
//   - a request must send its headers within `headersTimeoutSeconds` and be
//     whole within `requestTimeoutSeconds` (Node answers 408 and closes);
//     Node's own defaults (60 s and 300 s, checked every 30 s) let a client
//     that dribbles bytes hold a connection for minutes;
//   - at most `maxConnections` connections at once (the ones beyond are
//     closed as they are accepted), and at most `maxConnectionsPerAddress`
//     from one address, so that one address alone cannot fill the whole
//     allowance. A connection that becomes one of Assist's live channels
//     leaves both counts (`release`): a tab holds its channel for as long as
//     it is open, and a thousand open tabs must not lock everybody else out;
//     live channels have their own cap (LiveLimits.maxChannels).
// Idle keep-alive connections are closed after `keepAliveTimeoutSeconds`.
import type {Server, ServerOptions} from 'node:http';
import type {Socket} from 'node:net';
import type {ConnectionLimits} from './defaultLimits';
import {addressKey, isLoopbackAddress, normalizeAddress} from './clientAddress';
import type {Logger} from './createLogger';
import type {Metrics} from './createMetrics';

/** Options only `createServer` takes: how often Node checks the timeouts. */
export function connectionServerOptions(limits: ConnectionLimits): ServerOptions {
  // Checked at a quarter of the shortest timeout (at least every second), so a timeout is kept to within that much.
  const shortestMs = Math.min(limits.headersTimeoutSeconds, limits.requestTimeoutSeconds) * 1000;
  return {connectionsCheckingInterval: Math.max(100, Math.min(1000, shortestMs / 4))};
}

export interface GuardOptions {
  limits: ConnectionLimits;
  /** Behind trusted proxies every connection comes from a proxy: no cap per address. */
  perAddress: boolean;
  /** Loopback connections are not capped per address. */
  exemptLoopback: boolean;
  metrics: Metrics;
  logger: Logger;
}

// A flood of refusals is logged once a minute, with how many there were.
const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface ConnectionGuard {
  /** The connection became a live channel: it no longer counts against the caps. */
  release(socket: Socket): void;
}

export function guardConnections(server: Server, options: GuardOptions): ConnectionGuard {
  const {limits, metrics, logger} = options;
  server.headersTimeout = limits.headersTimeoutSeconds * 1000;
  server.requestTimeout = limits.requestTimeoutSeconds * 1000;
  server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;

  let refusedSinceLog = 0;
  let loggedAt = -Infinity;
  const refused = (reason: 'max-connections' | 'max-connections-per-address', address: string | undefined) => {
    metrics.connectionRefused(reason);
    refusedSinceLog++;
    if (Date.now() - loggedAt < REFUSAL_LOG_INTERVAL_MS) return;
    logger.warn('connections_refused', {reason, address, refused: refusedSinceLog, maxConnections: limits.maxConnections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress});
    loggedAt = Date.now();
    refusedSinceLog = 0;
  };

  let open = 0;
  const perAddress = new Map<string, number>();
  /** The connections counted now, with the per-address key each counts under (null: none). */
  const counted = new Map<Socket, string | null>();
  const release = (socket: Socket) => {
    if (!counted.has(socket)) return;
    const key = counted.get(socket)!;
    counted.delete(socket);
    open--;
    if (key === null) return;
    const left = (perAddress.get(key) ?? 1) - 1;
    if (left > 0) perAddress.set(key, left);
    else perAddress.delete(key);
  };
  server.on('connection', (socket: Socket) => {
    const address = normalizeAddress(socket.remoteAddress ?? '');
    if (limits.maxConnections > 0 && open >= limits.maxConnections) {
      refused('max-connections', address);
      socket.destroy();
      return;
    }
    const key = options.perAddress && limits.maxConnectionsPerAddress > 0 && !(options.exemptLoopback && isLoopbackAddress(address)) ? addressKey(address) : null;
    if (key !== null) {
      const fromThere = perAddress.get(key) ?? 0;
      if (fromThere >= limits.maxConnectionsPerAddress) {
        refused('max-connections-per-address', address);
        socket.destroy();
        return;
      }
      perAddress.set(key, fromThere + 1);
    }
    open++;
    counted.set(socket, key);
    metrics.connectionOpened();
    socket.once('close', () => {
      metrics.connectionClosed();
      release(socket);
    });
  });
  return {release};
}
