import {open} from 'node:fs/promises';
import {countSync} from './syncCounts';

// A rename survives a power cut once its directory is fsynced. Renames that
// finish while a sync of their directory runs wait for the next one, which
// covers them all: a busy directory costs one sync per round, not one per file.
interface DirectoryState {
  running: Promise<void>;
  next: Promise<void> | null;
}

const states = new Map<string, DirectoryState>();

export function syncDirectory(dir: string): Promise<void> {
  const state = states.get(dir);
  if (!state) return start(dir);
  // The running sync may have begun before the caller's rename.
  state.next ??= state.running.catch(() => {}).then(() => start(dir));
  return state.next;
}

function start(dir: string): Promise<void> {
  const running = fsyncDirectory(dir).finally(() => {
    const state = states.get(dir);
    if (state?.running === running && !state.next) states.delete(dir);
  });
  const state = states.get(dir);
  if (state) {
    state.running = running;
    state.next = null;
  } else {
    states.set(dir, {running, next: null});
  }
  return running;
}

// Platforms that cannot fsync a directory (Windows) refuse with one of these;
// there the rename is as durable as the platform makes it.
const UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP']);

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
      countSync('directory');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (!UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}
