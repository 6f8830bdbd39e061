// The listing's cursor (GET /api/sessions?cursor=): where the next page
// starts, as the client got it in `nextCursor`. The last session shown, its
// startedAt and sessionID, as base64url JSON: opaque to clients, who pass it
// back unchanged, and checked when it comes back.
import {HttpError} from '../lib/httpError';
import type {SessionCursor} from '../storage/storage';

const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor({startedAt, sessionID}: SessionCursor): string {
  return Buffer.from(JSON.stringify([startedAt, sessionID])).toString('base64url');
}

/** The cursor, or a 400 that says what to send instead. */
export function decodeCursor(text: string): SessionCursor {
  const refused = new HttpError(400, '"cursor" is not one this collector gave: pass the nextCursor of the previous page unchanged, or leave it out for the first page');
  if (!text || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw refused;
  const [startedAt, sessionID] = decoded;
  if (!Number.isSafeInteger(startedAt) || typeof sessionID !== 'string' || !sessionID) throw refused;
  return {startedAt, sessionID};
}
