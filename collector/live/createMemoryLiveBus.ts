// The live bus of a single collector: messages go to the session's
// listeners at once, in the order they were published.
import type {LiveBus, LiveListener, LiveMessage} from './liveBus';

export function createMemoryLiveBus(): LiveBus {
  const listeners = new Map<string, Set<LiveListener>>();
  // A listener that publishes (a reply) must not see its reply before the
  // message being handled is done: messages wait in a queue.
  const queue: Array<[string, LiveMessage]> = [];
  let delivering = false;

  return {
    publish(sessionID, message) {
      queue.push([sessionID, message]);
      if (delivering) return;
      delivering = true;
      try {
        for (let next = queue.shift(); next; next = queue.shift()) {
          for (const listener of listeners.get(next[0]) ?? []) listener(next[1]);
        }
      } finally {
        delivering = false;
      }
    },
    subscribe(sessionID, listener) {
      let set = listeners.get(sessionID);
      if (!set) listeners.set(sessionID, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (!set.size && listeners.get(sessionID) === set) listeners.delete(sessionID);
      };
    },
  };
}
