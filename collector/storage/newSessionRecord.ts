// A session as every backend first stores it: what the handshake gave, and
// every summary at zero. Batches change it through applySessionChange.
import type {Session} from './types';
import type {NewSession} from './storage';

export function newSessionRecord(input: NewSession): Session {
  return {
    ...input,
    metadata: {...input.metadata},
    lastActivityAt: input.startedAt,
    firstEventAt: null,
    lastEventAt: null,
    customEventCount: 0,
    vitals: {},
    errorCount: 0,
    consoleErrorCount: 0,
    failedRequestCount: 0,
    rageClickCount: 0,
    deadClickCount: 0,
    errorClickCount: 0,
    trigger: null,
    urls: [],
    eventNames: [],
    pages: [],
  };
}
