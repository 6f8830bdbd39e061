// Collects events between flushes. Each event becomes JSON as it is added,
// the one serialization it gets: the batch's body is these strings joined,
// and the hide flush splits by them. Kept as strings, rrweb's event objects
// die young (cheap for the garbage collector) instead of living until the
// flush; and a string is never stringified again. The batch is cut by count,
// by time or after a full snapshot.
import type {RecordedEvent} from './types';

const FULL_SNAPSHOT = 2;

/** Events as a batch carries them: each one's JSON and its timestamp, in order. */
export interface EncodedEvents {
  json: string[];
  timestamps: number[];
}

export const encodeEvents = (events: RecordedEvent[]): EncodedEvents => ({
  json: events.map((event) => JSON.stringify(event)),
  timestamps: events.map((event) => event.timestamp),
});

const none = (): EncodedEvents => ({json: [], timestamps: []});

/** The request body: a JSON array of the events. */
export const batchBody = (events: EncodedEvents): string => `[${events.json.join(',')}]`;

export interface BatcherOptions {
  flushIntervalMs: number;
  maxBatchEvents: number;
  onBatch(events: EncodedEvents): void;
}

export function createBatcher(options: BatcherOptions) {
  let pending = none();
  let timer: ReturnType<typeof setTimeout> | null = null;

  function take(): EncodedEvents {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const events = pending;
    pending = none();
    return events;
  }

  function flush(): void {
    const events = take();
    if (events.json.length) options.onBatch(events);
  }

  return {
    /** `json` is the event's JSON when it was made already (for the live stream). */
    add(event: RecordedEvent, json = JSON.stringify(event)): void {
      pending.json.push(json);
      pending.timestamps.push(event.timestamp);
      // A full batch, or a full snapshot (by far the largest event: it goes out
      // at once and travels alone), is cut in a task of its own, not inside
      // rrweb's callback.
      if (pending.json.length === options.maxBatchEvents || event.type === FULL_SNAPSHOT) {
        if (timer !== null) clearTimeout(timer);
        timer = setTimeout(flush, 0);
      } else if (timer === null) {
        timer = setTimeout(flush, options.flushIntervalMs);
      }
    },
    flush,
    /** Hands over what is buffered without sending it (for the hide path). */
    take,
    /** What is buffered, kept until taken. */
    peek: () => pending,
  };
}

export type Batcher = ReturnType<typeof createBatcher>;
