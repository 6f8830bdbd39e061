// Retention (`--retention-days N`): sessions whose last activity is older
// than N days are removed, on a timer, off the ingest path, in bounded
// batches with a pause between them, so that a first run on a large backlog
// never holds the storage for long. With several collectors on one database,
// each runs it; the backend makes concurrent sweeps safe.
import {setImmediate as yieldToRequests} from 'node:timers/promises';
import type {Storage} from './storage';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  days: number;
  /** Between sweeps (default 10 minutes); the first sweep runs at once. */
  intervalMs?: number;
  /** Sessions removed per step (default 100). */
  batchSize?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface Retention {
  /** One sweep to the end; resolves with how many sessions were removed. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for a sweep under way. */
  stop(): Promise<void>;
}

export function startRetention(storage: Storage, options: RetentionOptions): Retention {
  const intervalMs = options.intervalMs ?? 10 * 60_000;
  const batchSize = options.batchSize ?? 100;
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  let running: Promise<number> | null = null;
  let stopped = false;

  async function sweepOnce(): Promise<number> {
    const cutoff = now() - options.days * DAY_MS;
    let total = 0;
    for (;;) {
      const removed = await storage.removeInactiveSince(cutoff, batchSize);
      total += removed;
      if (removed < batchSize || stopped) break;
      await yieldToRequests();
    }
    if (total) log(`retention: removed ${total} sessions inactive for more than ${options.days} days`);
    return total;
  }

  function sweep(): Promise<number> {
    running ??= sweepOnce().finally(() => (running = null));
    return running;
  }

  const tick = () =>
    void sweep().catch((error) => log(`retention: could not remove expired sessions (${error?.message ?? error}); trying again in ${Math.round(intervalMs / 1000)} s`));
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  setImmediate(tick);

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
