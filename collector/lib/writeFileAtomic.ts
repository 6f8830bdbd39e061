import {open, rename, rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {syncDirectory} from './syncDirectory';

let counter = 0;

// Writes to a temporary file in the same directory, fsyncs it, renames it
// over `path`, then fsyncs the directory: a reader, or a restart after a
// crash, sees the old file or the whole new one, never a half-written one,
// and once this resolves the new one survives a power cut. The temporary name
// ends in `.tmp` so that no listing mistakes it for a finished file.
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, {force: true});
    throw error;
  }
  await syncDirectory(dirname(path));
}
