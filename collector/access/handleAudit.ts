// GET /api/audit?before=&sessionID=&limit=: the audit log, newest first, for
// admins of every project (an entry may be about any project, or none).
import {HttpError} from '../lib/httpError';
import type {Handler} from '../http/route';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export const handleAudit: Handler = async ({url, who}, collector) => {
  if (who!.projects) throw new HttpError(403, `the audit log covers every project: the key ${who!.name} is limited to ${who!.projects.join(', ')}`);
  const params = url.searchParams;
  const limit = params.get('limit') === null ? DEFAULT_LIMIT : Number(params.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new HttpError(400, `"limit" must be an integer from 1 to ${MAX_LIMIT}`);
  const before = params.get('before') === null ? undefined : Number(params.get('before'));
  if (before !== undefined && !Number.isFinite(before)) throw new HttpError(400, '"before" must be a time in ms: the "at" of the last entry of the previous page');
  const sessionID = params.get('sessionID') ?? undefined;
  return {status: 200, json: {entries: await collector.storage.listAudit({limit, before, sessionID})}};
};
