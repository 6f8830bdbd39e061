// The handshake's decision: continue the tab's session, or start a new one.
//
//   forceNew                                               -> new session
//   token verifies for this project, session active        -> resume it
//   sessionHash verifies for this project, session active  -> resume it
//   anything else                                          -> new session
//
// A bad, foreign or expired token or a tampered hash is no error: the visitor
// simply gets a new session. "Active" means a handshake or batch within the
// inactivity timeout, and the same assist-only mode: a recorded session does
// not turn into an assist-only one (or back) halfway.
import {randomUUID} from 'node:crypto';
import {newSessionID} from './newSessionID';
import type {StartRequest} from './parseStartRequest';
import type {Collector} from '../http/route';
import {verifySessionHash, verifyToken} from './tokens';
import type {Session} from '../storage/types';

const SANE_USER_UUID = /^[A-Za-z0-9_-]{1,64}$/;

export async function resumeOrCreateSession(request: StartRequest, collector: Collector, now: number): Promise<{session: Session; resumed: boolean}> {
  const resumable = request.forceNew ? null : await findResumable(request, collector, now);
  if (resumable) {
    await collector.storage.updateSession(resumable.sessionID, {userID: request.userID, metadata: request.metadata, activeAt: now});
    return {session: resumable, resumed: true};
  }
  collector.admission.admitNewSession(request.projectKey);
  const session = await collector.storage.createSession({
    sessionID: newSessionID(now),
    projectKey: request.projectKey,
    userID: request.userID ?? null,
    userUUID: request.userUUID && SANE_USER_UUID.test(request.userUUID) ? request.userUUID : randomUUID(),
    metadata: request.metadata ?? {},
    startedAt: now,
    assistOnly: request.assistOnly,
  });
  return {session, resumed: false};
}

async function findResumable(request: StartRequest, collector: Collector, now: number): Promise<Session | null> {
  const candidates: string[] = [];
  if (request.token) {
    const check = verifyToken(collector.secret, request.token, now);
    if (check.ok && check.projectKey === request.projectKey) candidates.push(check.sessionID);
  }
  if (request.sessionHash) {
    const sessionID = verifySessionHash(collector.secret, request.projectKey, request.sessionHash);
    if (sessionID) candidates.push(sessionID);
  }
  for (const sessionID of candidates) {
    const session = await collector.storage.getSession(sessionID);
    if (
      session &&
      session.projectKey === request.projectKey &&
      now - session.lastActivityAt <= collector.inactivityMs &&
      session.assistOnly === request.assistOnly
    ) {
      return session;
    }
  }
  return null;
}
