// DELETE /api/sessions?userID=<id>: erasure of every session of one user
// (the userID the site gave), as handleEraseSession.ts does for one; the
// audit log keeps the erasure and the IDs it removed.
import {HttpError} from '../lib/httpError';
import type {Handler} from '../http/route';

export const handleEraseSessionsOfUser: Handler = async ({url, who, address}, collector) => {
  const userID = url.searchParams.get('userID');
  // Never "everything" by accident: a DELETE without its filter erases nothing.
  if (!userID) throw new HttpError(400, 'say whose sessions to erase: DELETE /api/sessions?userID=<id> (or DELETE /api/sessions/<sessionID> for one)');
  const erased = await collector.storage.erase({userID, projects: who!.projects ?? undefined});
  // Kept even when nothing was found: the request itself is what an audit asks about.
  await collector.access.audit(who, address, 'erase', {userID, detail: `${erased.length} sessions of the user: ${erased.slice(0, 50).join(', ')}${erased.length > 50 ? ', …' : ''}`});
  return {status: 200, json: {erased}};
};
