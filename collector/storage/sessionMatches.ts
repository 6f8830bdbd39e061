// The listing's filters, for a backend that filters its sessions in memory.
//
// `hasErrors` counts all three kinds of trouble: an uncaught error, a console
// error (or failed assert) and a failed request each mean the user may have
// seen something break, and a session list filtered "with errors" that hid
// the sessions where only an API call failed would hide the failures users
// report most.
//
// A filter that matches few sessions, or whose count is asked, is checked
// against every one of them (100,000 on the file backend): it is made once
// into the checks it needs, cheapest first, and a session's URLs are
// searched as urlText.ts keeps them.
import type {SessionFilter} from './storage';
import type {Session} from './types';
import {trigramTest, urlText} from './urlText';

export function sessionMatches(session: Session, filter: SessionFilter): boolean {
  return sessionMatcher(filter)(session);
}

/** The filter as one function, for checking many sessions. */
export function sessionMatcher(filter: SessionFilter): (session: Session) => boolean {
  const checks: Array<(session: Session) => boolean> = [];
  const {projects, userID, meta, url, event} = filter;
  if (userID !== undefined) checks.push((session) => session.userID === userID);
  if (projects) checks.push((session) => projects.includes(session.projectKey));
  if (filter.hasErrors) checks.push(hasErrors);
  if (filter.frustrated) checks.push(isFrustrated);
  if (meta) checks.push((session) => meta.every(([key, value]) => Object.hasOwn(session.metadata, key) && session.metadata[key] === value));
  if (event !== undefined) checks.push((session) => session.eventNames.includes(event));
  if (url !== undefined) {
    const needle = url.toLowerCase();
    // Joined by newlines, a match cannot span two URLs unless the needle holds one.
    const mayHold = trigramTest(needle);
    checks.push(
      needle.includes('\n')
        ? (session) => session.urls.some((visited) => visited.toLowerCase().includes(needle))
        : (session) => {
            const known = urlText(session);
            return mayHold(known.signature) && known.text.includes(needle);
          },
    );
  }
  if (checks.length <= 1) return checks[0] ?? (() => true);
  return (session) => {
    for (const check of checks) if (!check(session)) return false;
    return true;
  };
}

export const isFrustrated = (session: Session) => session.rageClickCount > 0 || session.deadClickCount > 0 || session.errorClickCount > 0;

export const hasErrors = (session: Session) => session.errorCount > 0 || session.consoleErrorCount > 0 || session.failedRequestCount > 0;
