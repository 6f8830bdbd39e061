import {randomInt} from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

// Time first (base36 ms, 8 characters until the year 2059), then 12 random
// characters (62 bits): sortable by age, unguessable, URL-safe, 20 characters.
export function newSessionID(now = Date.now()): string {
  let random = '';
  for (let i = 0; i < 12; i++) random += ALPHABET[randomInt(36)];
  return now.toString(36) + random;
}
