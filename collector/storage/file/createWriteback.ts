// Page files and session records are written without an fsync of their own:
// a sync of the whole file system makes them durable, at each checkpoint
// (`syncWritten`) and, for page files, every few MiB in between
// (`writeBack`). Where the file system is synced file by file (no syncfs,
// see lib/syncFileSystem.ts), every file and directory written is
// remembered until the next `syncWritten`.
//
// **Writeback**: page files are made durable a few MiB at a time as they
// are written (a syncfs each `WRITEBACK_BYTES`), not all at the checkpoint:
// the disk's write cache is emptied by every fdatasync, so the journal's,
// which acknowledge batches, waited for whatever the checkpoint's syncfs
// was writing. One syncfs of 2 s of page files (55 MB at 2,500 batches a
// second) held every acknowledgement for 100-150 ms, the better part of
// figure 7's p99 (bench/NOTES.md).
import type {FileSystemSync} from '../../lib/syncFileSystem';

// Page file bytes written before a syncfs makes them durable (see above,
// "Writeback"): about 150 ms of figure 7's load. Where the file system is
// synced file by file (no syncfs), the checkpoint does it all.
const WRITEBACK_BYTES = 4 * 1024 * 1024;

export interface Writeback {
  /** A file written (or, with null, only the directory changed): the next `syncWritten` makes it durable. */
  rememberWritten(file: string | null, directory: string): void;
  /** Page file bytes written: past `WRITEBACK_BYTES` a syncfs starts, without waiting for the checkpoint. */
  writeBack(bytes: number): void;
  /** Makes everything written so far durable; what failed is remembered for the next try. */
  syncWritten(): Promise<void>;
}

export function createWriteback(fileSystem: FileSystemSync): Writeback {
  const keepsPaths = fileSystem.mode === 'each';
  // What a checkpoint must make durable when the file system cannot be synced at once.
  let writtenFiles = new Set<string>();
  let writtenDirectories = new Set<string>();

  function rememberWritten(file: string | null, directory: string): void {
    if (!keepsPaths) return;
    if (file) writtenFiles.add(file);
    writtenDirectories.add(directory);
  }

  async function syncWritten(): Promise<void> {
    const files = writtenFiles;
    const directories = writtenDirectories;
    writtenFiles = new Set();
    writtenDirectories = new Set();
    try {
      await fileSystem.sync(files, directories);
    } catch (error) {
      for (const file of files) writtenFiles.add(file);
      for (const directory of directories) writtenDirectories.add(directory);
      throw error;
    }
  }

  // One syncfs at a time; what is written meanwhile counts towards the next.
  let notWrittenBack = 0;
  let writingBack = false;
  function writeBack(bytes: number): void {
    notWrittenBack += bytes;
    if (keepsPaths || writingBack || notWrittenBack < WRITEBACK_BYTES) return;
    writingBack = true;
    notWrittenBack = 0;
    // A failure is the checkpoint's to report: its own sync fails too.
    void fileSystem
      .sync([], [])
      .catch(() => {})
      .finally(() => (writingBack = false));
  }

  return {rememberWritten, writeBack, syncWritten};
}
