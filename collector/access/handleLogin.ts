// POST /api/login {"key": "<access key>"} or {"link": "<login link token>"}:
// a login session for the viewer, in an HttpOnly cookie that holds a random
// id, never the key. Failures count towards the per-address limit
// (createAccess.ts).
import {HttpError} from '../lib/httpError';
import {readBody} from '../lib/readBody';
import type {Handler} from '../http/route';
import {loginCookie} from './createAccess';

const MAX_BODY_BYTES = 4096;

export const handleLogin: Handler = async ({req, address, secure}, collector) => {
  let credential: {key?: unknown; link?: unknown};
  try {
    credential = JSON.parse((await readBody(req, {maxBytes: MAX_BODY_BYTES})).toString('utf8'));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, 'send {"key": "<access key>"} or {"link": "<login link token>"} as JSON');
  }
  if (typeof credential !== 'object' || credential === null) throw new HttpError(400, 'send {"key": "<access key>"} or {"link": "<login link token>"} as JSON');
  const {principal, sessionID} = await collector.access.login(credential, address);
  return {
    status: 200,
    json: {name: principal.name, role: principal.role, projects: principal.projects},
    headers: {'Set-Cookie': loginCookie(sessionID, Math.floor(collector.access.loginTtlMs / 1000), secure)},
  };
};
