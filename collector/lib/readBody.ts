import type {IncomingMessage} from 'node:http';
import {HttpError} from './httpError';

export interface BodyLimits {
  /** Most bytes accepted on the wire. */
  maxBytes: number;
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 100) / 100} MiB`;

// Reads a request body into memory, as sent, within its limit. (A gzip body
// is inflated later, within a limit of its own: ingest/checkBatch.ts.) When
// the limit is passed the request is paused, not drained: the reply then
// closes the connection (see `bodyLeftUnread`) instead of reading what the
// client keeps sending.
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBytes) {
    return Promise.reject(new HttpError(413, `the body is ${mib(declared)}, more than the ${mib(limits.maxBytes)} this collector accepts`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const settle = (error: HttpError | null) => {
      if (settled) return;
      settled = true;
      if (error) {
        req.pause();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, received));
      }
    };

    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limits.maxBytes) settle(new HttpError(413, `the body is more than the ${mib(limits.maxBytes)} this collector accepts: send smaller batches`));
      else chunks.push(chunk);
    });
    req.on('end', () => settle(null));
    req.on('close', () => {
      if (!req.complete) settle(new HttpError(400, 'the request body was cut off before its end'));
    });
    req.on('error', () => settle(new HttpError(400, 'the request body could not be read to its end')));
  });
}

// True when the client sent (or is still sending) a body nobody read. Node
// would otherwise read and discard all of it before the connection can serve
// another request; closing the connection stops an oversized upload at once.
export function bodyLeftUnread(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
