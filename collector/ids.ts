import {randomBytes, randomUUID} from 'node:crypto';

/** Time-ordered, URL-safe, 20 characters: base36 milliseconds + random. */
export function newSessionID(now = Date.now()): string {
  return now.toString(36).padStart(9, '0') + randomBytes(8).toString('hex').slice(0, 11);
}

export const newUserUUID = () => randomUUID();

export const isSaneUserUUID = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value);
