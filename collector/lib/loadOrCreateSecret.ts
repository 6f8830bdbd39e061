import {randomBytes} from 'node:crypto';
import {readFile, writeFile} from 'node:fs/promises';

// Reads a secret kept in a file, or creates it (32 random bytes, hex, readable
// by the owner only) the first time. Keeping it on disk is what lets a restart
// accept the tokens handed out before.
export async function loadOrCreateSecret(path: string): Promise<{secret: string; created: boolean}> {
  try {
    return {secret: await readSecret(path), created: false};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await writeFile(path, randomBytes(32).toString('hex') + '\n', {mode: 0o600, flag: 'wx'});
    return {secret: await readSecret(path), created: true};
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return {secret: await readSecret(path), created: false};
    throw error;
  }
}

async function readSecret(path: string): Promise<string> {
  const secret = (await readFile(path, 'utf8')).trim();
  if (!secret) throw new Error(`${path} is empty: delete it and a new secret is generated at the next start`);
  return secret;
}
