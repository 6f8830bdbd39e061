// POST /v1/web/start: the handshake. Resumes the tab's session (stored token)
// or another origin's (session hash) when they check out and the session is
// not idle; otherwise starts a new one. Every handshake opens a new page,
// except a renewal that names the page it is continuing.
import type {Collector} from '../context';
import {originAllowed} from '../context';
import {HttpError, sendJson, type RequestContext} from '../http';
import {readJson} from '../readBody';
import {validateStartRequest, type StartRequest} from '../validate';
import {signSessionHash, signToken, verifySessionHash, verifyToken} from '../tokens';
import {isSaneUserUUID, newSessionID, newUserUUID} from '../ids';
import type {SessionRecord} from '../storage';

const START_BODY_LIMIT = 64 * 1024;

function resumable(collector: Collector, body: StartRequest, now: number): SessionRecord | null {
  const {settings, storage} = collector;
  const alive = (session: SessionRecord | null) =>
    session && session.projectKey === body.projectKey && now - session.lastActivityAt <= settings.inactivityTimeoutMs ? session : null;
  if (body.forceNew) return null;
  if (body.token) {
    const check = verifyToken(settings.signingSecret, body.token, now);
    if (check.ok && check.claims.projectKey === body.projectKey) {
      const session = alive(storage.getSession(check.claims.sessionID));
      if (session) return session;
    }
  }
  if (body.sessionHash) {
    const sessionID = verifySessionHash(settings.signingSecret, body.projectKey, body.sessionHash);
    if (sessionID) return alive(storage.getSession(sessionID));
  }
  return null;
}

export async function handleStart(collector: Collector, context: RequestContext): Promise<void> {
  const {settings, storage} = collector;
  const body = validateStartRequest(await readJson(context.request, {maxBytes: START_BODY_LIMIT, maxInflated: START_BODY_LIMIT}));
  if (!settings.projects.has(body.projectKey)) {
    throw new HttpError(403, `unknown project key "${body.projectKey}": start the collector with --project ${body.projectKey}`);
  }
  const origin = context.request.headers.origin;
  if (!originAllowed(settings, body.projectKey, origin)) {
    throw new HttpError(403, `origin ${origin} is not allowed for project "${body.projectKey}": add it with --project ${body.projectKey}=${origin}`);
  }
  const now = Date.now();
  let session = resumable(collector, body, now);
  const resumed = session !== null;
  if (!session) {
    session = await storage.createSession({
      sessionID: newSessionID(now),
      projectKey: body.projectKey,
      userID: null,
      userUUID: isSaneUserUUID(body.userUUID) ? body.userUUID : newUserUUID(),
      metadata: {},
      startedAt: now,
      lastActivityAt: now,
      lastEventAt: now,
      customEventCount: 0,
      vitals: {},
      assistOnly: !!body.assistOnly,
    });
  }
  if (body.userID !== undefined) session.userID = body.userID;
  if (body.metadata) Object.assign(session.metadata, body.metadata);
  session.lastActivityAt = now;
  const continued = resumed && body.page !== undefined ? session.pages.find((page) => page.pageID === body.page) : undefined;
  const page = continued ?? (await storage.addPage(session.sessionID, body.url, now));
  storage.touch(session);
  const tokenExpiresAt = now + settings.tokenTtlMs;
  sendJson(
    context.response,
    200,
    {
      sessionID: session.sessionID,
      sessionToken: signToken(settings.signingSecret, {projectKey: session.projectKey, sessionID: session.sessionID, expiresAt: tokenExpiresAt}),
      sessionHash: signSessionHash(settings.signingSecret, session.projectKey, session.sessionID),
      userUUID: session.userUUID,
      pageID: page.pageID,
      startedAt: session.startedAt,
      resumed,
      tokenExpiresAt,
    },
    context.headers,
  );
}
