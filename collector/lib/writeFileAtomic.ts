import {open, rename, rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {syncDirectory} from './syncDirectory';
import {countSync} from './syncCounts';

let counter = 0;

/**
 * How durable the write is once it resolves:
 * - `full` (the default): it survives a power cut;
 * - `file`: the data does, the new name only once something syncs the
 *   directory (a journal checkpoint does);
 * - `none`: neither, until something syncs the file system; only for what
 *   a journal can write again after a crash.
 */
export type Durability = 'full' | 'file' | 'none';

// Writes to a temporary file in the same directory, fsyncs it, renames it
// over `path`, then fsyncs the directory: a reader, or a restart after a
// crash, sees the old file or the whole new one, never a half-written one,
// and once this resolves the new one survives a power cut. The temporary name
// ends in `.tmp` so that no listing mistakes it for a finished file.
export async function writeFileAtomic(path: string, data: Buffer | string, durability: Durability = 'full'): Promise<void> {
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      if (durability !== 'none') {
        await handle.sync();
        countSync('file');
      }
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, {force: true});
    throw error;
  }
  if (durability === 'full') await syncDirectory(dirname(path));
}
