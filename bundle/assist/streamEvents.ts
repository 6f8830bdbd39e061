// Recorded events on their way to the agents watching: sent together every
// ~50 ms, so a burst of mutations is one frame and the agent sees a change
// within the SPEC's second, without waiting for the storage batcher's timer.
import type {LiveEvent} from './protocol';

export interface EventStream {
  add(event: LiveEvent): void;
  /** Send what is queued now. */
  flush(): void;
  /** Drop what is queued (no agent to see it, or a fresh snapshot follows). */
  clear(): void;
}

export function streamEvents(send: (events: LiveEvent[]) => void, delayMs = 50): EventStream {
  let queue: LiveEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    clearTimeout(timer);
    timer = undefined;
    queue = [];
  };
  const flush = () => {
    const events = queue;
    clear();
    if (events.length) send(events);
  };
  return {
    add(event) {
      queue.push(event);
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
    clear,
  };
}
