// Record on error (SPEC section 7): the session is recorded into memory only,
// as the last `bufferMs` of events, until a trigger sends them.
//
// A replay must begin with a full snapshot, so the buffer is cut into two
// segments, each begun by a checkout (a fresh full snapshot) every
// bufferMs / 2: dropping the older segment at each checkout keeps between
// bufferMs / 2 and bufferMs of recording, always replayable. (rrweb's
// `checkoutEveryNms` does the same, but cannot be stopped once the session is
// triggered and records normally; our own timer can.)
import type {RecordedEvent} from './types';

const META = 4;

/** An event as the buffer keeps it: its JSON, made once (the batch carries it as is), its type and time. */
export interface BufferedEvent {
  type: number;
  timestamp: number;
  json: string;
}

export interface ErrorBuffer {
  /** `json`: the event's JSON when it was made already. */
  add(event: RecordedEvent, json?: string): void;
  /** Stops the checkouts and hands over what is kept, oldest first. */
  take(): BufferedEvent[];
  bytes(): number;
}

export function createErrorBuffer(bufferMs: number, maxBytes: number, checkout: () => void): ErrorBuffer {
  let older: BufferedEvent[] = [];
  let olderBytes = 0;
  let current: BufferedEvent[] = [];
  let currentBytes = 0;
  // Over the byte cap even alone: what follows is useless without its
  // snapshot, so nothing is kept until the next checkout.
  let dropping = false;

  const timer = setInterval(() => {
    older = current;
    olderBytes = currentBytes;
    current = [];
    currentBytes = 0;
    dropping = false;
    checkout();
  }, bufferMs / 2);

  return {
    add(event, json = JSON.stringify(event)) {
      if (dropping && event.type !== META) return;
      dropping = false;
      // Its JSON is both its size as it will travel (before gzip) and what
      // travels: kept as a string, as the batcher keeps events, the event
      // object dies young and is never stringified again at the trigger.
      current.push({type: event.type, timestamp: event.timestamp, json});
      currentBytes += json.length;
      if (olderBytes + currentBytes > maxBytes) {
        older = [];
        olderBytes = 0;
      }
      if (currentBytes > maxBytes) {
        current = [];
        currentBytes = 0;
        dropping = true;
      }
    },
    take() {
      clearInterval(timer);
      const events = older.concat(current);
      older = current = [];
      olderBytes = currentBytes = 0;
      return events;
    },
    bytes: () => olderBytes + currentBytes,
  };
}
