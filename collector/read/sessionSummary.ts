// A session as the read API shows it.
import type {Session} from '../storage/types';

export function sessionSummary(session: Session) {
  return {
    sessionID: session.sessionID,
    projectKey: session.projectKey,
    userID: session.userID,
    userUUID: session.userUUID,
    metadata: session.metadata,
    startedAt: session.startedAt,
    lastEventAt: session.lastEventAt,
    // Both ends on the browser's clock, so a skewed clock does not skew the duration.
    durationMs: session.firstEventAt !== null && session.lastEventAt !== null ? session.lastEventAt - session.firstEventAt : 0,
    customEventCount: session.customEventCount,
    vitals: session.vitals,
    assistOnly: session.assistOnly,
    errorCount: session.errorCount,
    consoleErrorCount: session.consoleErrorCount,
    failedRequestCount: session.failedRequestCount,
    rageClickCount: session.rageClickCount,
    deadClickCount: session.deadClickCount,
    errorClickCount: session.errorClickCount,
    trigger: session.trigger,
    urls: [...session.urls],
    eventNames: [...session.eventNames],
    pages: session.pages.map((page) => ({...page})),
  };
}

export type SessionSummary = ReturnType<typeof sessionSummary>;
