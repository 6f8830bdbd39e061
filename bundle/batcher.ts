// Collects events between flushes. Adding an event is one push; the batch is
// cut by count, by time or after a full snapshot; never per-event work.
import type {RecordedEvent} from './types';

const FULL_SNAPSHOT = 2;

export interface BatcherOptions {
  flushIntervalMs: number;
  maxBatchEvents: number;
  onBatch(events: RecordedEvent[]): void;
}

export function createBatcher(options: BatcherOptions) {
  let pending: RecordedEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  function take(): RecordedEvent[] {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const events = pending;
    pending = [];
    return events;
  }

  function flush(): void {
    const events = take();
    if (events.length) options.onBatch(events);
  }

  return {
    add(event: RecordedEvent): void {
      pending.push(event);
      // A full batch, or a full snapshot (by far the largest event: it goes out
      // at once and travels alone), is cut in a task of its own, not inside
      // rrweb's callback.
      if (pending.length === options.maxBatchEvents || event.type === FULL_SNAPSHOT) {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(flush, 0);
      } else if (timer === null) {
        timer = setTimeout(flush, options.flushIntervalMs);
      }
    },
    flush,
    /** Hands over what is buffered without sending it (for the hide path). */
    take,
  };
}

export type Batcher = ReturnType<typeof createBatcher>;
