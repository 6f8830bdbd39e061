// OPTIONS /v1/web/*: a CORS preflight. It names no project, so it is granted
// to an origin that some configured project accepts; the request itself is
// then checked against its own project.
import {HttpError} from '../lib/httpError';
import type {Handler} from '../http/route';

export const handlePreflight: Handler = ({origin}, collector) => {
  if (origin !== undefined && !collector.projects.anyAllows(origin)) {
    throw new HttpError(403, `origin ${origin} is not allowed by any project of this collector: add it with --project <key>=${origin}`);
  }
  return {
    status: 204,
    body: '',
    headers: {
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Content-Encoding',
      'Access-Control-Max-Age': '7200',
    },
  };
};
