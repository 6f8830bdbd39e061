import {mayAccessProject, type Principal} from '../access/createAccess';
import {HttpError} from '../lib/httpError';
import type {Collector} from '../http/route';
import type {Page, Session} from '../storage/types';

/** The session named in a read API path, or 404: also when it belongs to a project the caller's key may not see (its existence is not told). */
export async function findSession(collector: Collector, sessionID: string, who: Principal): Promise<Session> {
  const session = await collector.storage.getSession(sessionID);
  if (!session || !mayAccessProject(who, session.projectKey)) throw new HttpError(404, `no session ${JSON.stringify(sessionID)} on this collector`);
  return session;
}

/** The page named in a read API path, or 404. */
export function findPage(session: Session, pageID: string): Page {
  const page = /^[1-9]\d{0,8}$/.test(pageID) ? session.pages[Number(pageID) - 1] : undefined;
  if (!page) throw new HttpError(404, `session ${session.sessionID} has no page ${JSON.stringify(pageID)}`);
  return page;
}
