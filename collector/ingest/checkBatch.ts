// A batch body as it came, checked: inflated if it came gzipped (within the
// inflated-size limit, so a small "gzip bomb" is refused before it fills
// memory), then scanned (scanEvents.ts). Synchronous and self-contained, so
// that it runs as well in a worker thread (createBatchChecker.ts) as inline.
import {gunzipSync} from 'node:zlib';
import {HttpError} from '../lib/httpError';
import {scanEvents, type ScannedBatch} from './scanEvents';

export interface BatchToCheck {
  received: Uint8Array;
  gzip: boolean;
  maxInflatedBytes: number;
}

export interface CheckedBatch {
  /** The JSON array of events (inflated). */
  json: Buffer;
  /** Its length. */
  jsonBytes: number;
  scan: ScannedBatch;
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 100) / 100} MiB`;

export function checkBatch({received, gzip, maxInflatedBytes}: BatchToCheck): CheckedBatch {
  const bytes = Buffer.from(received.buffer, received.byteOffset, received.byteLength);
  let json = bytes;
  if (gzip) {
    try {
      // Large output chunks: fewer pieces to copy together (a batch inflates to about 90 KB).
      json = gunzipSync(bytes, {maxOutputLength: maxInflatedBytes, chunkSize: 128 * 1024});
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw new HttpError(413, `the body inflates to more than the ${mib(maxInflatedBytes)} this collector accepts: send smaller batches`);
      }
      throw new HttpError(400, `the body is not valid gzip (${(error as Error).message}), though the request said "Content-Encoding: gzip"`);
    }
  } else if (json.length > maxInflatedBytes) {
    throw new HttpError(413, `the body is more than the ${mib(maxInflatedBytes)} this collector accepts: send smaller batches`);
  }
  return {json, jsonBytes: json.length, scan: scanEvents(json)};
}
