// DELETE /api/sessions/:id: erasure of one session. The session, its pages
// and every stored event are removed for good from every place the storage
// keeps them, and a batch that arrives later for it is refused with 410.
// Needs the admin role; a key limited to some projects erases only theirs.
// The audit log keeps the erasure (who, which session, when, from where).
import {HttpError} from '../lib/httpError';
import type {Handler} from '../http/route';

export const handleEraseSession: Handler = async ({params, who, address}, collector) => {
  const session = await collector.storage.getSession(params.id);
  const erased = await collector.storage.erase({sessionID: params.id, projects: who!.projects ?? undefined});
  if (erased.length) {
    await collector.access.audit(who, address, 'erase', {sessionID: params.id, userID: session?.userID ?? undefined, projectKey: session?.projectKey, detail: 'one session'});
  }
  // A DELETE sent again (its answer was lost) is told the session is gone, not that it never was.
  if (!erased.length && (await collector.storage.isErased(params.id))) return {status: 200, json: {erased: [], alreadyErased: [params.id]}};
  if (!erased.length) throw new HttpError(404, `no session ${JSON.stringify(params.id)} on this collector`);
  return {status: 200, json: {erased}};
};
