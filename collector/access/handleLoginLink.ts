// POST /api/login-links {"keyName"?}: an admin makes a one-time login link
// (default: for their own key), to open the viewer in one click or hand to a
// colleague. The token is in the fragment: browsers never send it, so no
// proxy or server log holds it; the viewer exchanges it at POST /api/login.
import {HttpError} from '../lib/httpError';
import {readBody} from '../lib/readBody';
import type {Handler} from '../http/route';

export const handleLoginLink: Handler = async ({req, who, address, secure}, collector) => {
  const text = (await readBody(req, {maxBytes: 4096})).toString('utf8');
  let keyName = who!.name;
  if (text.trim()) {
    let body: {keyName?: unknown};
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'send {"keyName": "<name>"} as JSON, or nothing for a link to your own key');
    }
    if (body?.keyName !== undefined) {
      if (typeof body.keyName !== 'string' || !body.keyName) throw new HttpError(400, '"keyName" must be the name of an access key');
      keyName = body.keyName;
    }
  }
  if (keyName === 'development') throw new HttpError(400, 'the collector runs without access keys (development flag): it needs no login link');
  const {token, expiresAt} = await collector.access.newLoginLink(keyName);
  await collector.access.audit(who, address, 'login_link_made', {detail: `for key ${keyName}`});
  const host = req.headers.host ?? 'localhost';
  return {status: 200, json: {url: `${secure ? 'https' : 'http'}://${host}/#login=${token}`, keyName, expiresAt}};
};
