// Secrets come from the environment, or are generated once and kept in the
// data directory so that a restart keeps tokens (and the read secret) valid.
import {randomBytes} from 'node:crypto';
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';

export interface Secret {
  value: string;
  source: 'environment' | 'flag' | 'file' | 'generated';
  path?: string;
}

export function loadSecret(dataDir: string, fileName: string, given?: string, givenSource: Secret['source'] = 'environment'): Secret {
  if (given) return {value: given, source: givenSource};
  const path = join(dataDir, fileName);
  try {
    const value = readFileSync(path, 'utf8').trim();
    if (value) return {value, source: 'file', path};
  } catch {
    // First start: generate below.
  }
  mkdirSync(dataDir, {recursive: true});
  const value = randomBytes(32).toString('hex');
  writeFileSync(path, value + '\n', {mode: 0o600, flag: 'wx'});
  return {value, source: 'generated', path};
}
