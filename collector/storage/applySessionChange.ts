import type {SessionChange} from './storage';
import type {Session} from './types';
import {forgetUrlText} from './urlText';

// Metadata is the site's to fill, from the page: a bound keeps one session's
// record small however the page misbehaves. The same goes for the URLs
// visited (a single-page app can push a new URL per keystroke) and the
// custom event names: past the bound, new ones are not added (the first ones
// seen are the ones kept, so the list never churns).
export const MAX_METADATA_KEYS = 64;
export const MAX_URLS = 100;
export const MAX_URL_LENGTH = 2048;
export const MAX_EVENT_NAMES = 100;
export const MAX_EVENT_NAME_LENGTH = 256;

/** Applies a change to a session record in place; shared by every storage backend. */
export function applySessionChange(session: Session, change: SessionChange): void {
  if (change.userID !== undefined) session.userID = change.userID;
  for (const [key, value] of Object.entries(change.metadata ?? {})) {
    // Assigning "__proto__" would not add a key: it would swap the record's prototype.
    if (key === '__proto__') continue;
    if (Object.hasOwn(session.metadata, key) || Object.keys(session.metadata).length < MAX_METADATA_KEYS) session.metadata[key] = value;
  }
  for (const [name, vital] of Object.entries(change.vitals ?? {})) {
    if (name !== '__proto__') session.vitals[name] = vital;
  }
  if (change.customEvents) session.customEventCount += change.customEvents;
  if (change.errors) session.errorCount += change.errors;
  if (change.consoleErrors) session.consoleErrorCount += change.consoleErrors;
  if (change.failedRequests) session.failedRequestCount += change.failedRequests;
  if (change.rageClicks) session.rageClickCount += change.rageClicks;
  if (change.deadClicks) session.deadClickCount += change.deadClicks;
  if (change.errorClicks) session.errorClickCount += change.errorClicks;
  if (change.trigger) session.trigger = change.trigger;
  if (addDistinct(session.urls, change.urls, MAX_URLS, MAX_URL_LENGTH)) forgetUrlText(session);
  addDistinct(session.eventNames, change.eventNames, MAX_EVENT_NAMES, MAX_EVENT_NAME_LENGTH);
  if (change.firstEventAt !== undefined && (session.firstEventAt === null || change.firstEventAt < session.firstEventAt)) {
    session.firstEventAt = change.firstEventAt;
  }
  if (change.lastEventAt !== undefined && (session.lastEventAt === null || change.lastEventAt > session.lastEventAt)) {
    session.lastEventAt = change.lastEventAt;
  }
  if (change.activeAt !== undefined && change.activeAt > session.lastActivityAt) session.lastActivityAt = change.activeAt;
}

/** Adds what `list` lacks, within its bounds; whether anything was added. */
function addDistinct(list: string[], added: string[] | undefined, maxItems: number, maxLength: number): boolean {
  const before = list.length;
  for (const item of added ?? []) {
    if (list.length >= maxItems) break;
    const cut = item.slice(0, maxLength);
    if (cut && !list.includes(cut)) list.push(cut);
  }
  return list.length > before;
}

/**
 * A session record as an older collector wrote it, completed with the fields
 * added since (counts at 0, the pages' URLs as the URLs visited), so that
 * every record reads the same.
 */
export function withSummaryDefaults(session: Session): Session {
  session.errorCount ??= 0;
  session.consoleErrorCount ??= 0;
  session.failedRequestCount ??= 0;
  session.rageClickCount ??= 0;
  session.deadClickCount ??= 0;
  session.errorClickCount ??= 0;
  session.trigger ??= null;
  if (!Array.isArray(session.urls)) {
    session.urls = [];
    addDistinct(session.urls, (session.pages ?? []).map((page) => page.url).filter((url) => typeof url === 'string'), MAX_URLS, MAX_URL_LENGTH);
  }
  session.eventNames ??= [];
  session.vitals ??= {};
  session.customEventCount ??= 0;
  return session;
}
