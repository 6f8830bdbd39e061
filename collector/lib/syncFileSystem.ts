// Makes durable, at once, everything written under a directory since the last
// time: Linux's syncfs(2) through `sync -f DIR` (coreutils, BusyBox), one
// call however many files were written. Node has no binding for syncfs, and a
// process every checkpoint (seconds apart) costs far less than an fsync per
// file. Where `sync -f` does not work (macOS, Windows), the files and
// directories the caller names are fsynced one by one.
import {execFile} from 'node:child_process';
import {open} from 'node:fs/promises';
import {syncDirectory} from './syncDirectory';
import {countSync} from './syncCounts';

export interface FileSystemSync {
  /** 'syncfs' needs no list of paths; 'each' fsyncs what `sync` is given. */
  mode: 'syncfs' | 'each';
  sync(files: Iterable<string>, directories: Iterable<string>): Promise<void>;
}

const EACH_CONCURRENCY = 8;

const syncfs = (dir: string) =>
  new Promise<void>((resolve, reject) =>
    execFile('sync', ['-f', dir], {timeout: 60_000}, (error, _stdout, stderr) =>
      error ? reject(Object.assign(new Error(`sync -f ${dir} failed: ${stderr.trim() || error.message}`), {code: 'EIO'})) : resolve(),
    ),
  );

export async function openFileSystemSync(dir: string): Promise<FileSystemSync> {
  const works = await syncfs(dir).then(
    () => true,
    () => false,
  );
  if (works) {
    return {
      mode: 'syncfs',
      async sync() {
        await syncfs(dir);
        countSync('filesystem');
      },
    };
  }
  return {
    mode: 'each',
    async sync(files, directories) {
      const queue = [...files];
      const worker = async () => {
        for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
          const handle = await open(file, 'r').catch((error) => {
            // Removed meanwhile (erasure, retention): nothing to keep.
            if (error.code === 'ENOENT') return null;
            throw error;
          });
          if (!handle) continue;
          try {
            await handle.sync();
            countSync('file');
          } finally {
            await handle.close();
          }
        }
      };
      await Promise.all(Array.from({length: EACH_CONCURRENCY}, worker));
      for (const directory of directories) {
        await syncDirectory(directory).catch((error) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
    },
  };
}
