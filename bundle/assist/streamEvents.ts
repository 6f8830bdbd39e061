// Recorded events on their way to the agents watching: sent together every
// ~50 ms, so a burst of mutations is one frame and the agent sees a change
// within the SPEC's second, without waiting for the storage batcher's timer.
// Each event comes as its JSON, made once for this and the storage batch: the
// frame is those strings joined, never stringified again.

export interface EventStream {
  /** An event's JSON. */
  add(json: string): void;
  /** Send what is queued now. */
  flush(): void;
  /** Drop what is queued (no agent to see it, or a fresh snapshot follows). */
  clear(): void;
}

/** `send` gets the `ev` frame's JSON. */
export function streamEvents(send: (frame: string) => void, delayMs = 50): EventStream {
  let queue: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    clearTimeout(timer);
    timer = undefined;
    queue = [];
  };
  const flush = () => {
    const events = queue;
    clear();
    if (events.length) send(`{"t":"ev","events":[${events.join(',')}]}`);
  };
  return {
    add(json) {
      queue.push(json);
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
    clear,
  };
}
