// The file storage's checkpoint (every `checkpointMs`, when a journal
// segment passes 64 MiB, after an erasure, at close): it starts a new
// journal segment, waits until every batch of the older ones is in its page
// file and every session record holds what they changed, makes all of it
// durable at once (syncfs, see lib/syncFileSystem.ts), and only then deletes
// the older segments. A crash at any point leaves each acknowledged batch in
// the journal or durable in its page file, or both.
import type {BatchStore} from './createBatchStore';
import type {SessionIndex} from './createSessionIndex';
import type {Writeback} from './createWriteback';
import type {Journal} from './journal';

// Session records a checkpoint writes at once (open, write, fsync, close,
// rename each, on libuv's four threads). All at once, its hundreds of writes
// filled those threads, and the journal's writev and fdatasync, which
// acknowledge batches, waited behind them: a stall at every checkpoint, and
// most of figure 7's p99 (bench/NOTES.md). Two leave the journal a thread.
const RECORD_WRITE_LANES = 2;

export interface Checkpointer {
  /** Runs a checkpoint; one at a time. */
  checkpoint(): Promise<void>;
  /** Logs a failed checkpoint, once until one succeeds again. */
  reportCheckpointFailure(error: Error): void;
}

interface CheckpointParts {
  journal: Journal;
  batches: BatchStore;
  index: SessionIndex;
  writeback: Writeback;
  checkpointMs: number;
  log: (line: string) => void;
}

export function createCheckpointer({journal, batches, index, writeback, checkpointMs, log}: CheckpointParts): Checkpointer {
  let checkpointFailing = false;
  function reportCheckpointFailure(error: Error): void {
    // Once per outage: the journal keeps every acknowledged batch meanwhile.
    if (checkpointFailing) return;
    checkpointFailing = true;
    log(`checkpoint failed (${error.message}); the journal keeps every acknowledged batch, trying again in ${checkpointMs} ms`);
  }

  // See the header: the older journal segments go once what they hold is durable elsewhere.
  async function runCheckpoint(): Promise<void> {
    const sealed = new Set(await journal.seal());
    await batches.writeOut(sealed);
    await index.persistDirty('file', RECORD_WRITE_LANES);
    await writeback.syncWritten();
    await journal.remove([...sealed]);
    if (checkpointFailing) log('checkpoint succeeded again');
    checkpointFailing = false;
  }

  // One at a time; a caller arriving while one runs gets the next, which covers what it did.
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function checkpoint(): Promise<void> {
    if (!running) {
      running = runCheckpoint().finally(() => (running = null));
      return running;
    }
    next ??= running
      .catch(() => {})
      .then(() => {
        next = null;
        return checkpoint();
      });
    return next;
  }

  return {checkpoint, reportCheckpointFailure};
}
