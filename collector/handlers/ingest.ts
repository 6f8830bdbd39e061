// POST /v1/web/i?page=P&seq=N: one batch of rrweb events for a page of the
// token's session. Answered 200 only once the batch is durably stored; a
// batch already stored is acknowledged and not stored again.
import type {Collector} from '../context';
import {originAllowed} from '../context';
import {HttpError, bearerToken, sendJson, type RequestContext} from '../http';
import {readBody} from '../readBody';
import {validateEvents, type RrwebEvent} from '../validate';
import {verifyToken} from '../tokens';
import type {SessionRecord} from '../storage';

const CUSTOM_EVENT = 5;

// Identity, metadata and vitals travel as custom events; the session keeps
// the latest, so the list can show them without reading event files.
function learnFromCustomEvents(session: SessionRecord, events: RrwebEvent[]): void {
  for (const event of events) {
    if (event.timestamp > session.lastEventAt) session.lastEventAt = event.timestamp;
    if (event.type !== CUSTOM_EVENT || typeof event.data?.tag !== 'string') continue;
    session.customEventCount++;
    const payload = event.data.payload ?? {};
    switch (event.data.tag) {
      case 'tracker.identify':
        if (typeof payload.userID === 'string') session.userID = payload.userID;
        break;
      case 'tracker.metadata':
        if (typeof payload.key === 'string' && typeof payload.value === 'string') session.metadata[payload.key] = payload.value;
        break;
      case 'tracker.vital':
        if (typeof payload.name === 'string' && typeof payload.value === 'number') {
          session.vitals[payload.name] = {value: payload.value, rating: String(payload.rating ?? '')};
        }
        break;
    }
  }
}

export async function handleBatch(collector: Collector, context: RequestContext): Promise<void> {
  const {settings, storage} = collector;
  const token = bearerToken(context.request);
  if (!token) throw new HttpError(401, 'missing session token: send Authorization: Bearer <sessionToken>');
  const check = verifyToken(settings.signingSecret, token);
  if (!check.ok) throw new HttpError(401, `session token refused (${check.problem}): start a new handshake`);
  const session = storage.getSession(check.claims.sessionID);
  if (!session || session.projectKey !== check.claims.projectKey) throw new HttpError(401, 'the token names no session known here: start a new handshake');
  if (!originAllowed(settings, session.projectKey, context.request.headers.origin)) {
    throw new HttpError(403, `origin ${context.request.headers.origin} is not allowed for project "${session.projectKey}"`);
  }
  if (session.assistOnly) throw new HttpError(403, 'session is assist-only: no session data is recorded');
  const pageID = Number(context.url.searchParams.get('page'));
  const seq = Number(context.url.searchParams.get('seq'));
  if (!Number.isInteger(pageID) || pageID < 1) throw new HttpError(400, 'page must be a positive integer (query parameter)');
  if (!Number.isInteger(seq) || seq < 0 || seq > 9_999_999_999) throw new HttpError(400, 'seq must be an integer >= 0 (query parameter)');
  if (!session.pages.some((page) => page.pageID === pageID)) throw new HttpError(400, `page ${pageID} is not a page of this session`);
  const body = await readBody(context.request, {maxBytes: settings.maxBodyBytes, maxInflated: settings.maxInflatedBytes});
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  const events = validateEvents(parsed);
  const {duplicate} = await storage.putBatch(session.sessionID, pageID, seq, events.length, text);
  if (!duplicate) learnFromCustomEvents(session, events);
  session.lastActivityAt = Date.now();
  storage.touch(session);
  sendJson(context.response, 200, {ok: true, duplicate}, context.headers);
}
