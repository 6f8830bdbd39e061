// Assist's two WebSocket paths on the collector's HTTP server:
//   /v1/web/live           a tab's channel (acceptTrackerChannel.ts)
//   /api/live/:sessionID   an agent's view (acceptAgentChannel.ts)
// Each has its own WebSocketServer for its frame size cap. Upgrades to any
// other path are answered 404.
import type {IncomingMessage, Server} from 'node:http';
import type {Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {WebSocketServer, type WebSocket} from 'ws';
import {matchPath} from '../lib/matchPath';
import type {Collector} from '../http/route';
import type {LiveLimits} from './defaultLiveLimits';
import {acceptAgentChannel} from './acceptAgentChannel';
import {acceptTrackerChannel} from './acceptTrackerChannel';
import {CLOSE, type LiveRelay} from './createLiveRelay';
import {pingLiveSockets} from './pingLiveSockets';
import {refuseUpgrade} from './refuseUpgrade';
import type {ConnectionGuard} from '../ops/guardConnections';

export const TRACKER_PATH = '/v1/web/live';
export const AGENT_PATH = '/api/live/:sessionID';

// How long sockets get to answer the close frame of a stopping collector before they are cut.
const CLOSE_GRACE_MS = 1000;

export interface LiveChannels {
  /** Closes every live socket (1001), at once or after a short grace. */
  close(): Promise<void>;
}

export function attachLiveChannels(http: Server, collector: Collector, relay: LiveRelay, limits: LiveLimits, closing: () => boolean, guard: ConnectionGuard): LiveChannels {
  // Compression is off: frames are relayed as they come, and per-message deflate holds memory per socket.
  const trackers = new WebSocketServer({noServer: true, maxPayload: limits.trackerFrameBytes, perMessageDeflate: false});
  const agents = new WebSocketServer({noServer: true, maxPayload: limits.agentFrameBytes, perMessageDeflate: false});
  const everySocket = function* (): Iterable<WebSocket> {
    yield* trackers.clients;
    yield* agents.clients;
  };
  // Agents send nothing while they watch: pings find the ones lost without a
  // close. A tab sends a heartbeat every 25 s, and one silent for
  // trackerSilenceMs is ended (acceptTrackerChannel.ts): pinging every tab too
  // cost more CPU than the heartbeats themselves (bench figure 11).
  const stopPings = pingLiveSockets(() => agents.clients, limits.pingIntervalMs);

  const counted = (route: string) => (status: number) => collector.metrics.request(route, 'GET', status);
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://collector').pathname;
    if (closing()) {
      refuseUpgrade(socket, 503, 'the collector is stopping: connect again in a moment', {'Retry-After': '5'});
      return;
    }
    const live = path === TRACKER_PATH || matchPath(AGENT_PATH, path) !== null;
    if (live) {
      // From here on the connection counts as a live channel, not against the request caps.
      guard.release(socket as Socket);
      if (trackers.clients.size + agents.clients.size >= limits.maxChannels) {
        refuseUpgrade(socket, 503, `this collector holds ${limits.maxChannels} live channels already (--max-live-channels): try again later`, {'Retry-After': '30'});
        return;
      }
    }
    if (path === TRACKER_PATH) {
      counted(TRACKER_PATH)(acceptTrackerChannel(req, socket, head, {collector, relay, server: trackers, limits}));
      return;
    }
    const params = matchPath(AGENT_PATH, path);
    if (params) {
      acceptAgentChannel(req, socket, head, params.sessionID, {collector, relay, server: agents, limits}).then(counted(AGENT_PATH), (error) => {
        collector.logger.error('live_upgrade_failed', {error});
        socket.destroy();
      });
      return;
    }
    refuseUpgrade(socket, 404, `there is no WebSocket at ${path} on this collector: use ${TRACKER_PATH} or /api/live/<sessionID>`);
  });

  return {
    async close() {
      stopPings();
      relay.close();
      const open = [...everySocket()];
      const closed = open.map((socket) => new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close(CLOSE.goingAway, 'the collector is stopping');
      }));
      const cutOff = setTimeout(() => open.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
      await Promise.all(closed);
      clearTimeout(cutOff);
      trackers.close();
      agents.close();
    },
  };
}
