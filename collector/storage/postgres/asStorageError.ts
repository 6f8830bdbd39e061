// What a database error means to the collector. Connection refused, reset or
// timed out, the server shutting down or out of connections, a statement
// cancelled at its timeout or stuck on a lock: the database is out of reach
// for now (503, retried), not wrong. Other errors (a bug, a constraint) stay
// errors.
import {StorageUnavailable} from '../../lib/storageUnavailable';
import {SessionErased, SessionGone} from '../storage';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const UNAVAILABLE_CODES = new Set([...NETWORK_CODES, '57P01', '57P02', '57P03', '53300', '53100', '40P01', '40001', '57014', '55P03', '25P03']);
// pg's own words for a connection it gave up on: no answer within query_timeout, or none at all.
const LOST = /Connection terminated|timeout exceeded when trying to connect|Query read timeout/i;

export function asStorageError(error: unknown): Error {
  if (error instanceof StorageUnavailable || error instanceof SessionErased || error instanceof SessionGone) return error;
  const code = (error as {code?: string})?.code ?? '';
  const message = (error as Error)?.message ?? String(error);
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || LOST.test(message)) {
    return new StorageUnavailable(`database: ${message}`, 5, {cause: error});
  }
  return error as Error;
}

/** Whether the connection that threw this can still be trusted with the next statement. */
export function connectionLost(error: unknown): boolean {
  const original = error instanceof StorageUnavailable ? error.cause : error;
  const code = (original as {code?: string})?.code ?? '';
  return NETWORK_CODES.has(code) || code.startsWith('08') || LOST.test((original as Error)?.message ?? '');
}
