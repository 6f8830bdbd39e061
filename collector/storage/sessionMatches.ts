// The listing's filters, for a backend that filters its sessions in memory.
//
// `hasErrors` counts all three kinds of trouble: an uncaught error, a console
// error (or failed assert) and a failed request each mean the user may have
// seen something break, and a session list filtered "with errors" that hid
// the sessions where only an API call failed would hide the failures users
// report most.
import type {SessionFilter} from './storage';
import type {Session} from '../types';

export function sessionMatches(session: Session, query: SessionFilter): boolean {
  if (query.projects && !query.projects.includes(session.projectKey)) return false;
  if (query.userID !== undefined && session.userID !== query.userID) return false;
  if (query.meta && !query.meta.every(([key, value]) => Object.hasOwn(session.metadata, key) && session.metadata[key] === value)) return false;
  if (query.hasErrors && !hasErrors(session)) return false;
  if (query.frustrated && !isFrustrated(session)) return false;
  if (query.url !== undefined) {
    const needle = query.url.toLowerCase();
    if (!session.urls.some((url) => url.toLowerCase().includes(needle))) return false;
  }
  if (query.event !== undefined && !session.eventNames.includes(query.event)) return false;
  return true;
}

export const isFrustrated = (session: Session) => session.rageClickCount > 0 || session.deadClickCount > 0 || session.errorClickCount > 0;

export const hasErrors = (session: Session) => session.errorCount > 0 || session.consoleErrorCount > 0 || session.failedRequestCount > 0;
