// `/api/live/:sessionID`: an agent's live view of a session. Checked at the
// upgrade, with the read side's rules, and answered with an HTTP error when
// refused: an upgrade from another origin (a page elsewhere riding on the
// login cookie: cross-site WebSocket hijacking) 403, no credential 401, a
// role below viewer 403, a session that is not there or in a project the key
// may not see 404, a session watched by `agentsPerSession` agents 429. The
// view is audited before the socket opens: nothing is watched unaudited.
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import type {WebSocket, WebSocketServer} from 'ws';
import {mayAccessProject, requireRole} from '../access/createAccess';
import {roleAllows} from '../access/accessKeys';
import {refuseCrossOrigin} from '../access/refuseCrossOrigin';
import {HttpError} from '../lib/httpError';
import {clientAddress} from '../ops/clientAddress';
import type {Collector} from '../http/route';
import type {LiveLimits} from './defaultLiveLimits';
import {CLOSE, type LiveRelay} from './createLiveRelay';
import {frameBudget} from './frameBudget';
import type {LiveSessionInfo} from './liveBus';
import {parseAgentFrame} from './parseAgentFrame';
import {refuseUpgrade} from './refuseUpgrade';

export interface AgentChannelContext {
  collector: Collector;
  relay: LiveRelay;
  server: WebSocketServer;
  limits: LiveLimits;
}

/** Resolves with the status the upgrade was answered with (101 when it opened). */
export async function acceptAgentChannel(req: IncomingMessage, socket: Duplex, head: Buffer, sessionID: string, context: AgentChannelContext): Promise<number> {
  const {collector, relay, limits} = context;
  const address = clientAddress(req, collector.trustedProxies);
  let join;
  try {
    // Browsers send Origin (and Sec-Fetch-Site) on WebSocket upgrades, which are GETs: checked here all the same.
    refuseCrossOrigin(req, collector.trustedProxies);
    const who = await collector.access.authenticate({authorization: req.headers.authorization, cookie: req.headers.cookie, address});
    if (!who) throw new HttpError(401, 'watching a live session needs an access key: send "Authorization: Bearer <key>", or log in to the viewer');
    requireRole(who, 'viewer');
    const found = await collector.storage.getSession(sessionID);
    if (!found || !mayAccessProject(who, found.projectKey)) throw new HttpError(404, `no session ${JSON.stringify(sessionID)} on this collector`);
    if (relay.agentCount(sessionID) >= limits.agentsPerSession) {
      throw new HttpError(429, `${limits.agentsPerSession} agents watch this session already: try again when one leaves`, {'Retry-After': '30'});
    }
    const session: LiveSessionInfo = {sessionID, projectKey: found.projectKey, userID: found.userID, userUUID: found.userUUID, metadata: found.metadata, assistOnly: found.assistOnly};
    await collector.access.audit(who, address, 'live_view', {sessionID, userID: found.userID ?? undefined, projectKey: found.projectKey});
    join = {sessionID, who, address, mayControl: roleAllows(who.role, 'agent'), session};
  } catch (error) {
    if (error instanceof HttpError) {
      refuseUpgrade(socket, error.status, error.message, error.headers);
      return error.status;
    }
    collector.logger.error('live_upgrade_failed', {error});
    refuseUpgrade(socket, 503, 'the collector cannot open this live view now (its log says why): try again');
    return 503;
  }
  if (socket.destroyed) return 499;
  context.server.handleUpgrade(req, socket, head, (ws) => bindAgent(ws, join, context));
  return 101;
}

function bindAgent(ws: WebSocket, join: Parameters<LiveRelay['addAgent']>[1], context: AgentChannelContext): void {
  const {relay, limits} = context;
  const agent = relay.addAgent(ws, join);
  // Pointer moves are the busiest input: the tracker's own cap suits them.
  const budget = frameBudget(limits.trackerFramesPerSecond, context.collector.now);
  ws.on('message', (data, isBinary) => {
    if (!budget()) {
      ws.close(CLOSE.overLimit, `more than ${limits.trackerFramesPerSecond} frames a second`);
      return;
    }
    const frame = isBinary ? null : parseAgentFrame(data.toString());
    if (frame) relay.agentFrame(agent, frame);
  });
  ws.on('close', () => relay.removeAgent(agent));
  ws.on('error', () => ws.terminate());
}
