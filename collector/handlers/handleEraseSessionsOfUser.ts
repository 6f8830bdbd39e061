// DELETE /api/sessions?userID=<id>: erasure of every session of one user
// (the userID the site gave), as handleEraseSession.ts does for one.
import {HttpError} from '../lib/httpError';
import type {Handler} from '../route';

export const handleEraseSessionsOfUser: Handler = async ({url}, collector) => {
  const userID = url.searchParams.get('userID');
  // Never "everything" by accident: a DELETE without its filter erases nothing.
  if (!userID) throw new HttpError(400, 'say whose sessions to erase: DELETE /api/sessions?userID=<id> (or DELETE /api/sessions/<sessionID> for one)');
  return {status: 200, json: {erased: await collector.storage.erase({userID})}};
};
