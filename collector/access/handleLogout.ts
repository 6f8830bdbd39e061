// POST /api/logout: ends this login session everywhere (it is removed from
// storage, so no collector honours its cookie again) and clears the cookie.
import type {Handler} from '../http/route';
import {loginCookie} from './createAccess';

export const handleLogout: Handler = async ({who, address, secure}, collector) => {
  await collector.access.logout(who!, address);
  return {status: 200, json: {loggedOut: true}, headers: {'Set-Cookie': loginCookie('', 0, secure)}};
};
