// Every byte a collector stored under its data directory, as one text: what
// privacy tests search for secrets. The collector writes through temporary
// files it renames, so a file may vanish between listing and reading.
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, {throwIfNoEntry: false});
    if (!stat) return [];
    return stat.isDirectory() ? filesUnder(path) : [path];
  });
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file).toString('latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export function storedText(dir: string): string {
  return filesUnder(dir).map(readIfThere).join('\n');
}
