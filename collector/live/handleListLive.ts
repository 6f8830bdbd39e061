// GET /api/live?userID=&meta=key:value: the sessions with a tab connected
// now, their tabs and the agents watching; a key limited to some projects
// sees only theirs.
import {mayAccessProject} from '../access/createAccess';
import {HttpError} from '../lib/httpError';
import type {Handler} from '../http/route';

export const handleListLive: Handler = async ({url, who}, collector) => {
  const userID = url.searchParams.get('userID');
  const meta = url.searchParams.getAll('meta').map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new HttpError(400, `"meta" must be key:value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, colon), pair.slice(colon + 1)] as const;
  });
  const sessions = (await collector.live.list()).filter(
    (session) =>
      mayAccessProject(who!, session.projectKey) &&
      (userID === null || session.userID === userID) &&
      meta.every(([key, value]) => Object.hasOwn(session.metadata, key) && session.metadata[key] === value),
  );
  return {status: 200, json: {sessions}};
};
