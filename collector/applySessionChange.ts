import type {SessionChange} from './storage';
import type {Session} from './types';

// Metadata is the site's to fill, from the page: a bound keeps one session's
// record small however the page misbehaves.
export const MAX_METADATA_KEYS = 64;

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
  if (change.firstEventAt !== undefined && (session.firstEventAt === null || change.firstEventAt < session.firstEventAt)) {
    session.firstEventAt = change.firstEventAt;
  }
  if (change.lastEventAt !== undefined && (session.lastEventAt === null || change.lastEventAt > session.lastEventAt)) {
    session.lastEventAt = change.lastEventAt;
  }
  if (change.activeAt !== undefined && change.activeAt > session.lastActivityAt) session.lastActivityAt = change.activeAt;
}
