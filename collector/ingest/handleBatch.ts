// POST /v1/web/i?page=P&seq=N: one batch of rrweb events for one page of the
// session named by the bearer token. Cheap refusals (token, page, encoding)
// come before the body is read; the reply is 200 only once the batch is stored durably.
import {contentEncoding} from '../lib/contentEncoding';
import {HttpError} from '../lib/httpError';
import {readBody} from '../lib/readBody';
import {assertOriginAllowed} from '../sessions/projects';
import type {Collector, Handler} from '../http/route';
import {summarizeEvents} from './summarizeEvents';
import {SessionErased, SessionGone, type BatchSession} from '../storage/storage';
import {verifyToken} from '../sessions/tokens';

const RENEW = 'get a new one with POST /v1/web/start';

export const handleBatch: Handler = async ({req, url, origin}, collector) => {
  const session = await sessionOfToken(req.headers.authorization, collector, Number(url.searchParams.get('page')) || 0);
  const project = collector.projects.get(session.projectKey);
  if (!project) {
    throw new HttpError(403, `project "${session.projectKey}" of this session is no longer configured: start the collector with --project ${session.projectKey}`);
  }
  assertOriginAllowed(project, origin);
  collector.admission.admitProject('batch', project.key);
  if (session.assistOnly) throw new HttpError(403, 'session is assist-only: no session data is recorded');

  // Each given once: with two, which one the batch belongs to would be a guess.
  for (const name of ['page', 'seq']) {
    if (url.searchParams.getAll(name).length > 1) throw new HttpError(400, `"${name}" is given more than once: give it once`);
  }
  const pageParam = url.searchParams.get('page') ?? '';
  const seqParam = url.searchParams.get('seq') ?? '';
  if (!/^[1-9]\d{0,8}$/.test(pageParam)) throw new HttpError(400, '"page" must be a positive integer: the pageID the handshake gave');
  if (!/^\d{1,9}$/.test(seqParam)) throw new HttpError(400, '"seq" must be an integer from 0 up: the batch\'s number within its page');
  const pageID = Number(pageParam);
  const seq = Number(seqParam);
  if (!session.pages[pageID - 1]) {
    throw new HttpError(400, `session ${session.sessionID} has no page ${pageID}: send the pageID the handshake gave along with this token`);
  }

  const encoding = contentEncoding(req, true);
  // Read as sent; inflated and scanned beside the event loop (ingest/createBatchChecker.ts).
  const received = await readBody(req, {maxBytes: collector.limits.batchBodyBytes});
  const gzip = encoding === 'gzip';
  // A backend that keeps the gzip needs no inflated copy back from the checker.
  const keepsGzip = gzip && collector.storage.keepsGzip === true;
  const {json: body, jsonBytes, scan: batch} = await collector.batches.check(received, gzip, !keepsGzip);
  const now = collector.now();
  let duplicate = false;
  try {
    if (batch.eventCount) {
      // The summary goes with the batch: counted once, when it is first stored.
      const outcome = await collector.storage.putBatch({
        sessionID: session.sessionID,
        pageID,
        seq,
        body,
        gzip: gzip ? received : undefined,
        jsonBytes,
        eventCount: batch.eventCount,
        change: {...summarizeEvents(batch.notable), firstEventAt: batch.firstEventAt, lastEventAt: batch.lastEventAt, activeAt: now},
      });
      duplicate = outcome === 'duplicate';
    }
    // Nothing stored, yet the session was active; and it must still exist (the check above may have come from a cache).
    if (!batch.eventCount || duplicate) await collector.storage.updateSession(session.sessionID, {activeAt: now});
  } catch (error) {
    if (error instanceof SessionErased) throw erasedError(session.sessionID);
    if (error instanceof SessionGone) throw new HttpError(401, `session ${session.sessionID} was removed (retention) while this batch was stored: ${RENEW}`);
    throw error;
  }
  return {status: 200, json: {ok: true, duplicate}};
};

export async function sessionOfToken(authorization: string | undefined, collector: Collector, pageID: number): Promise<BatchSession> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'the batch carries no session token: send the sessionToken from POST /v1/web/start as "Authorization: Bearer <token>"');
  const check = verifyToken(collector.secret, token, collector.now());
  if (!check.ok) {
    if (check.problem === 'expired') throw new HttpError(401, `the session token expired at ${new Date(check.expiredAt).toISOString()}: ${RENEW}`);
    if (check.problem === 'bad-signature') {
      throw new HttpError(401, `the session token's signature does not match: it was altered, or signed with another secret (was the collector's secret changed?); ${RENEW}`);
    }
    throw new HttpError(401, `the session token is malformed: ${RENEW}`);
  }
  const {storage} = collector;
  const session = await (storage.sessionForBatch ? storage.sessionForBatch(check.sessionID, pageID) : storage.getSession(check.sessionID));
  if (!session && (await collector.storage.isErased(check.sessionID))) throw erasedError(check.sessionID);
  if (!session || session.projectKey !== check.projectKey) {
    throw new HttpError(401, `the session token names session ${check.sessionID}, which this collector does not have: ${RENEW}`);
  }
  return session;
}

// 410, not 401: a 401 would have the tracker start a new session at once,
// and an erased session is refused for good (the batch is dropped, not retried).
const erasedError = (sessionID: string) => new HttpError(410, `session ${sessionID} was erased: its data is not accepted any more`);
