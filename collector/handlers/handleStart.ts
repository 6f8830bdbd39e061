// POST /v1/web/start: the handshake. Every successful handshake answers with
// a fresh token, and a new page in the (new or resumed) session; except that a
// renewal (`page` given, after a 401) of a resumed session continues its page.
import {contentEncoding} from '../lib/contentEncoding';
import {HttpError} from '../lib/httpError';
import {readBody} from '../lib/readBody';
import {parseStartRequest} from '../parseStartRequest';
import {assertOriginAllowed} from '../projects';
import {resumeOrCreateSession} from '../resumeOrCreateSession';
import type {Handler} from '../route';
import {signSessionHash, signToken} from '../tokens';

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
