// Reads a request body within limits. gzip is inflated as a stream and
// counted as it goes, so a gzip bomb is refused after `maxInflated` bytes
// instead of being inflated in memory.
import type {IncomingMessage} from 'node:http';
import {createGunzip} from 'node:zlib';
import {HttpError} from './http';

export interface BodyLimits {
  /** Bytes on the wire. */
  maxBytes: number;
  /** Bytes after inflating (gzip only). */
  maxInflated: number;
}

export async function readBody(request: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    throw new HttpError(415, `Content-Encoding ${encoding} is not supported: send gzip or plain JSON`);
  }
  const declared = Number(request.headers['content-length']);
  if (declared > limits.maxBytes) {
    throw new HttpError(413, `the body is ${declared} bytes; the limit is ${limits.maxBytes}`);
  }
  const gzip = encoding === 'gzip';
  const chunks: Buffer[] = [];
  let wire = 0;
  let size = 0;
  const gunzip = gzip ? createGunzip() : null;
  const source = gunzip ?? request;
  const tooLarge = (what: string, limit: number) => new HttpError(413, `the ${what} body is over the limit of ${limit} bytes`);
  let failure: HttpError | null = null;
  if (gzip) {
    request.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limits.maxBytes && !failure) {
        failure = tooLarge('compressed', limits.maxBytes);
        gunzip!.destroy(failure);
      }
    });
    request.pipe(gunzip!);
  }
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (gzip && size > limits.maxInflated) throw tooLarge('inflated', limits.maxInflated);
      if (!gzip && size > limits.maxBytes) throw tooLarge('request', limits.maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    if (gunzip) {
      request.unpipe(gunzip);
      gunzip.destroy();
    }
    if (error instanceof HttpError) throw error;
    if (failure) throw failure;
    throw new HttpError(400, gzip ? `the body is not valid gzip: ${(error as Error).message}` : 'the body could not be read');
  }
  return Buffer.concat(chunks);
}

export async function readJson(request: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const body = await readBody(request, limits);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}
