// The keys file (`--keys FILE`): read at start-up, and again whenever it
// changes, so that a key added or removed (`keys add`, `keys remove`, an
// editor) takes effect within seconds on a running collector. A file that
// cannot be read or parsed after a change keeps the keys it had, and says why.
import {unwatchFile, watchFile, type Stats} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {createKeyRing, parseKeyLines, type AccessKey, type KeyRing} from './accessKeys';

const POLL_MS = 2000;

export async function watchKeysFile(path: string, alsoKeys: AccessKey[], log: (line: string) => void): Promise<{ring: KeyRing; stop(): void}> {
  const read = async () => [...alsoKeys, ...parseKeyLines(await readKeys(path), path)];
  const ring = createKeyRing(await read());
  const reload = (now: Stats, before: Stats) => {
    // Called at the first poll of a missing file too: only a real change counts.
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    read().then(
      (keys) => {
        ring.replace(keys);
        log(`access keys read again from ${path}: ${keys.length - alsoKeys.length} keys in it`);
      },
      (error) => log(`the access keys in ${path} were not changed: ${error.message}`),
    );
  };
  watchFile(path, {interval: POLL_MS, persistent: false}, reload);
  return {ring, stop: () => unwatchFile(path, reload)};
}

async function readKeys(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    // No file yet: no keys from it (`keys add` creates it).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new Error(`cannot read the keys file ${path}: ${(error as Error).message}`);
  }
}
