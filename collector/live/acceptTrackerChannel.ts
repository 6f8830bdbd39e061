// `/v1/web/live`: a tab's live channel. At the upgrade: the per-address
// handshake limit, and an Origin some project accepts (as the CORS
// preflight). Then the first frame must be `hello` with the session token,
// within `helloTimeoutMs` (else 4408), checked as a batch's token is
// (signature, expiry, the session exists: else 4401); the Origin must be one
// of the session's project (else 4403), within its handshake limit (else
// 4429). From then on the channel is bound to that session and tab.
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import type {WebSocket, WebSocketServer} from 'ws';
import {sessionOfToken} from '../ingest/handleBatch';
import {HttpError} from '../lib/httpError';
import {assertOriginAllowed} from '../sessions/projects';
import type {Collector} from '../http/route';
import type {LiveLimits} from './defaultLiveLimits';
import {CLOSE, type LiveRelay} from './createLiveRelay';
import {frameBudget} from './frameBudget';
import {parseTrackerFrame} from './parseTrackerFrame';
import {refuseUpgrade} from './refuseUpgrade';

export interface TrackerChannelContext {
  collector: Collector;
  relay: LiveRelay;
  server: WebSocketServer;
  limits: LiveLimits;
}

export function acceptTrackerChannel(req: IncomingMessage, socket: Duplex, head: Buffer, context: TrackerChannelContext): number {
  const {collector} = context;
  const origin = req.headers.origin;
  try {
    collector.admission.admitAddress('handshake', req);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    refuseUpgrade(socket, error.status, error.message, error.headers);
    return error.status;
  }
  if (origin !== undefined && !collector.projects.anyAllows(origin)) {
    refuseUpgrade(socket, 403, `origin ${origin} is not allowed to send to any project of this collector`);
    return 403;
  }
  context.server.handleUpgrade(req, socket, head, (ws) => bindTracker(ws, origin, context));
  return 101;
}

function bindTracker(ws: WebSocket, origin: string | undefined, context: TrackerChannelContext): void {
  const {collector, relay, limits} = context;
  let channel: string | null = null;
  let checking = false;
  const helloTimer = setTimeout(() => ws.close(CLOSE.helloTimeout, 'send hello with the session token first'), limits.helloTimeoutMs);
  // Three missed heartbeats: the page is gone even if its connection was not closed.
  const silenceTimer = setTimeout(() => ws.terminate(), limits.trackerSilenceMs);
  const budget = frameBudget(limits.trackerFramesPerSecond, collector.now);

  ws.on('message', (data, isBinary) => {
    silenceTimer.refresh();
    if (!budget()) {
      ws.close(CLOSE.overLimit, `more than ${limits.trackerFramesPerSecond} frames a second`);
      return;
    }
    const arrivedAt = collector.now();
    const frame = isBinary ? null : parseTrackerFrame(data.toString());
    if (!frame) return;
    if (channel !== null) {
      if (frame.t !== 'hello') relay.trackerFrame(channel, frame, arrivedAt);
      return;
    }
    if (frame.t !== 'hello' || checking) return;
    checking = true;
    void checkHello(frame, origin, collector).then((checked) => {
      clearTimeout(helloTimer);
      if (ws.readyState !== ws.OPEN) return;
      if ('close' in checked) return ws.close(checked.close, checked.reason);
      channel = relay.addTracker(ws, {sessionID: checked.session.sessionID, tab: frame.tab, url: frame.url, visible: frame.visible, session: checked.session});
    });
  });
  ws.on('close', () => {
    clearTimeout(helloTimer);
    clearTimeout(silenceTimer);
    if (channel !== null) relay.removeTracker(channel);
  });
  ws.on('error', () => ws.terminate());
}

async function checkHello(hello: {token: string; pageID: number}, origin: string | undefined, collector: Collector) {
  let found;
  try {
    found = await sessionOfToken(`Bearer ${hello.token}`, collector, hello.pageID);
  } catch (error) {
    if (error instanceof HttpError) return {close: CLOSE.unauthenticated, reason: closeReason(error.message)};
    collector.logger.error('live_hello_failed', {error});
    return {close: 1011, reason: 'the collector failed to check the session token'};
  }
  const project = collector.projects.get(found.projectKey);
  const session = await collector.storage.getSession(found.sessionID);
  if (!project || !session) return {close: CLOSE.unauthenticated, reason: closeReason(`session ${found.sessionID} is not on this collector`)};
  try {
    assertOriginAllowed(project, origin);
  } catch (error) {
    return {close: CLOSE.forbidden, reason: closeReason((error as Error).message)};
  }
  try {
    collector.admission.admitProject('handshake', project.key);
  } catch (error) {
    return {close: CLOSE.overLimit, reason: closeReason((error as Error).message)};
  }
  const {sessionID, projectKey, userID, userUUID, metadata, assistOnly} = session;
  return {session: {sessionID, projectKey, userID, userUUID, metadata: {...metadata}, assistOnly}};
}

/** A close frame's reason is at most 123 bytes. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -2);
  return reason;
}
