import type {IncomingMessage} from 'node:http';
import {createGunzip} from 'node:zlib';
import {HttpError} from './httpError';

export interface BodyLimits {
  /** Most bytes accepted on the wire. */
  maxBytes: number;
  /** With gzip: most bytes the body may inflate to. */
  maxInflatedBytes?: number;
  /** Inflate the body with gzip (the request said `Content-Encoding: gzip`). */
  gzip?: boolean;
}

export interface Body {
  /** The body, inflated if it came gzipped. */
  data: Buffer;
  /** The body as it came on the wire (the same bytes as `data` unless gzipped). */
  received: Buffer;
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 100) / 100} MiB`;

// Reads a request body into memory within limits. A gzip body is inflated as
// a stream and the output is counted as it comes, so a small "gzip bomb" is
// refused after `maxInflatedBytes`, never inflated whole. When a limit is
// passed the request is paused, not drained: the reply then closes the
// connection (see `bodyLeftUnread`) instead of reading what the client keeps
// sending.
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBytes) {
    return Promise.reject(new HttpError(413, `the body is ${mib(declared)}, more than the ${mib(limits.maxBytes)} this collector accepts`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const wire: Buffer[] = [];
    let received = 0;
    let kept = 0;
    let settled = false;
    const gunzip = limits.gzip ? createGunzip() : null;

    const settle = (error: HttpError | null) => {
      if (settled) return;
      settled = true;
      if (error) {
        req.pause();
        gunzip?.destroy();
        reject(error);
      } else {
        const data = Buffer.concat(chunks, kept);
        resolve({data, received: gunzip ? Buffer.concat(wire, received) : data});
      }
    };
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      kept += chunk.length;
    };

    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limits.maxBytes) {
        settle(new HttpError(413, `the body is more than the ${mib(limits.maxBytes)} this collector accepts: send smaller batches`));
      } else if (gunzip) {
        wire.push(chunk);
        if (!gunzip.write(chunk)) req.pause();
      } else {
        keep(chunk);
      }
    });
    req.on('end', () => (gunzip ? gunzip.end() : settle(null)));
    req.on('close', () => {
      if (!req.complete) settle(new HttpError(400, 'the request body was cut off before its end'));
    });
    req.on('error', () => settle(new HttpError(400, 'the request body could not be read to its end')));

    if (gunzip) {
      const maxInflated = limits.maxInflatedBytes ?? Infinity;
      gunzip.on('drain', () => !settled && req.resume());
      gunzip.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (kept + chunk.length > maxInflated) {
          settle(new HttpError(413, `the body inflates to more than the ${mib(maxInflated)} this collector accepts: send smaller batches`));
        } else {
          keep(chunk);
        }
      });
      gunzip.on('end', () => settle(null));
      gunzip.on('error', (error) => settle(new HttpError(400, `the body is not valid gzip (${error.message}), though the request said "Content-Encoding: gzip"`)));
    }
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
