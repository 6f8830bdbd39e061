import type {IncomingMessage} from 'node:http';
import {HttpError} from './httpError';

/** The body's encoding: 'identity' or, where allowed, 'gzip'; anything else is refused with 415. */
export function contentEncoding(req: IncomingMessage, allowGzip: boolean): 'identity' | 'gzip' {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() || 'identity';
  if (encoding === 'identity') return 'identity';
  if (allowGzip && (encoding === 'gzip' || encoding === 'x-gzip')) return 'gzip';
  throw new HttpError(
    415,
    `Content-Encoding "${encoding}" is not supported here: send ${allowGzip ? 'plain or gzip-compressed JSON' : 'plain JSON'}`,
  );
}
