// Turns the snippet's stub (loader/loader.js) into the live tracker: the same
// object gets live methods, so references the page took earlier keep working;
// the queued calls run in call order and their promises settle with the live
// results.
import {createTracker, type LiveTracker} from './createTracker';
import type {InitOptions} from './types';
import {warn} from './lib/warn';

// [name, arguments, time, resolve?]; an empty call is a second copy of the snippet.
type QueuedCall = [string, ArrayLike<unknown>, number, ((value: unknown) => void)?] | [];

interface Stub {
  _q: QueuedCall[];
  _c?: [string, string, InitOptions?];
  _live?: boolean;
  [method: string]: unknown;
}

const QUEUED_METHODS = ['start', 'stop', 'flush', 'setUserID', 'setMetadata'];

function runCall(tracker: LiveTracker, call: QueuedCall): void {
  if (!Array.isArray(call) || call.length === 0) {
    warn('the snippet is included twice; the bundle ran once');
    return;
  }
  const [name, args = [], time, resolve] = call;
  const [first, second] = Array.from(args);
  let result: unknown;
  // The methods the loader queues, called as the page called them.
  if (name === 'event') tracker.eventAt(first as string, second, time);
  else if (QUEUED_METHODS.includes(name)) result = (tracker[name as 'setMetadata'] as (...args: unknown[]) => unknown)(first, second);
  else warn(`unknown method ${String(name)} queued by the snippet`);
  resolve?.(result);
}

export function takeOverStub(win: Window & {tracker?: Stub}): void {
  const stub = win.tracker;
  if (!stub || !Array.isArray(stub._q)) {
    warn('no snippet on this page: with a bundler, import createTracker from the ES module');
    return;
  }
  if (stub._live) return;
  const [projectKey, ingestPoint, options] = Array.isArray(stub._c) ? stub._c : [];
  // The script element running now: tracker-canvas.js is loaded beside it, with its nonce.
  const bundleScript = document.currentScript as HTMLScriptElement | null;
  const tracker = createTracker({...(options && typeof options === 'object' ? options : {}), projectKey, ingestPoint, bundleScript} as never);
  const queued = stub._q.splice(0);
  Object.assign(stub, tracker);
  stub._live = true;
  // Later pushes (a second copy of the snippet) are handled at once.
  stub._q.push = (...calls: QueuedCall[]) => {
    for (const call of calls) runCall(tracker, call);
    return 0;
  };
  for (const call of queued) {
    try {
      runCall(tracker, call);
    } catch (error) {
      warn('a queued call failed', error);
    }
  }
}
