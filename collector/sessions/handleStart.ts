// POST /v1/web/start: the handshake. Every successful handshake answers with
// a fresh token, and a new page in the (new or resumed) session; except that a
// renewal (`page` given, after a 401) of a resumed session continues its page.
import {contentEncoding} from '../lib/contentEncoding';
import {HttpError} from '../lib/httpError';
import {readBody} from '../lib/readBody';
import {parseStartRequest, type StartRequest} from './parseStartRequest';
import {assertOriginAllowed} from './projects';
import {resumeOrCreateSession} from './resumeOrCreateSession';
import {SessionErased, SessionGone} from '../storage/storage';
import {signSessionHash, signToken} from './tokens';
import type {Collector, Handler} from '../http/route';

export const handleStart: Handler = async ({req, origin}, collector) => {
  contentEncoding(req, false);
  const body = await readBody(req, {maxBytes: collector.limits.startBodyBytes});
  const request = parseStartRequest(body.toString('utf8'));
  const project = collector.projects.get(request.projectKey);
  if (!project) {
    const key = request.projectKey;
    throw new HttpError(403, `unknown project key ${JSON.stringify(key)}: start the collector with --project ${key} (or --project ${key}=<your site's origin>)`);
  }
  assertOriginAllowed(project, origin);
  collector.admission.admitProject('handshake', project.key);

  const now = collector.now();
  let outcome: Awaited<ReturnType<typeof sessionAndPage>>;
  try {
    outcome = await sessionAndPage(request, collector, now);
  } catch (error) {
    if (!(error instanceof SessionGone || error instanceof SessionErased)) throw error;
    // Removed (retention, erasure) between its lookup and the new page: the visitor gets a new session.
    outcome = await sessionAndPage({...request, forceNew: true}, collector, now);
  }
  const {session, resumed, page} = outcome;
  const tokenExpiresAt = now + collector.tokenTtlMs;
  return {
    status: 200,
    json: {
      sessionID: session.sessionID,
      sessionToken: signToken(collector.secret, {projectKey: session.projectKey, sessionID: session.sessionID, expiresAt: tokenExpiresAt}),
      sessionHash: signSessionHash(collector.secret, session.projectKey, session.sessionID),
      userUUID: session.userUUID,
      pageID: page.pageID,
      startedAt: session.startedAt,
      resumed,
      tokenExpiresAt,
    },
  };
};

async function sessionAndPage(request: StartRequest, collector: Collector, now: number) {
  const {session, resumed} = await resumeOrCreateSession(request, collector, now);
  const continued = resumed && request.page !== undefined ? session.pages[request.page - 1] : undefined;
  const page =
    continued ??
    (await collector.storage.addPage(session.sessionID, {
      url: request.url,
      referrer: request.referrer,
      startedAt: now,
      ...(request.viewport && {viewport: request.viewport}),
      ...(request.trackerVersion && {trackerVersion: request.trackerVersion}),
    }));
  // The page's URL counts as visited even if no batch ever arrives.
  if (!continued && request.url) await collector.storage.updateSession(session.sessionID, {urls: [request.url]});
  return {session, resumed, page};
}
