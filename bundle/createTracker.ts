// The tracker: sessions (start/stop/identity), wiring recorder -> batcher ->
// transport -> collector. Usable directly as an ES module:
//   import {createTracker} from 'replay-tracker';
//   const tracker = createTracker({projectKey, ingestPoint});
//   await tracker.start();
// This file is the public API: every call checked and guarded. The session
// lifecycle (sessionLifecycle.ts) drives the capture wiring (wireCapture.ts)
// and the delivery wiring (wireDelivery.ts).
import type {StartOptions, StartPromiseReturn, Tracker, TrackerConfig, TrackerStats} from './types';
import {createSessionLifecycle} from './sessionLifecycle';
import {withDefaults} from './trackerOptions';
import {warn} from './lib/warn';

export type {InitOptions, StartOptions, StartPromiseReturn, Tracker, TrackerConfig} from './types';

export interface LiveTracker extends Tracker {
  /** event() with the time it was really called (the stub's queue keeps it). */
  eventAt(name: string, payload: unknown, time: number): void;
  _stats(): TrackerStats;
}

/** Internal: the <script> that loaded the bundle (takeOverStub.ts), for the canvas file beside it. */
export interface BundleConfig extends TrackerConfig {
  bundleScript?: HTMLScriptElement | null;
}

// JSON-safe copy taken at call time: a circular or huge payload is refused
// here, where the caller can see the warning, not later inside a batch.
function jsonCopy(value: unknown, what: string): unknown | undefined {
  try {
    const json = JSON.stringify(value === undefined ? null : value);
    if (json.length > 64 * 1024) {
      warn(`${what} is larger than 64 KiB and was dropped`);
      return undefined;
    }
    return JSON.parse(json);
  } catch (error) {
    warn(`${what} cannot be serialized and was dropped`, error);
    return undefined;
  }
}

export function createTracker(config: BundleConfig): LiveTracker {
  const projectKey = typeof config.projectKey === 'string' ? config.projectKey : '';
  const ingestPoint = String(config.ingestPoint || '').replace(/\/+$/, '');
  const session = createSessionLifecycle(withDefaults(config), projectKey, ingestPoint, config.bundleScript);

  function start(startOpts?: Partial<StartOptions>): Promise<StartPromiseReturn> {
    const opts = startOpts && typeof startOpts === 'object' ? startOpts : {};
    return session.start(opts).then((result) => {
      try {
        if (typeof opts.startCallback === 'function') opts.startCallback(result);
      } catch (error) {
        warn('startCallback threw', error);
      }
      return result;
    });
  }

  function eventAt(name: string, payload: unknown, time: number): void {
    if (typeof name !== 'string' || !name) return warn('event expects a name string');
    const copy = jsonCopy(payload, `the payload of event "${name}"`);
    if (copy !== undefined) session.custom('tracker.event', {name, payload: copy}, time);
  }

  // Every public method is wrapped: nothing may throw into the page.
  const guard =
    <A extends unknown[], R>(name: string, method: (...args: A) => R, fallback: R) =>
    (...args: A): R => {
      try {
        return method(...args);
      } catch (error) {
        warn(`${name} failed`, error);
        return fallback;
      }
    };

  return {
    start,
    stop: session.stop,
    flush: session.flush,
    setUserID: guard('setUserID', session.setUserID, undefined),
    setMetadata: guard('setMetadata', session.setMetadata, undefined),
    event: guard('event', (name: string, payload?: unknown) => eventAt(name, payload, Date.now()), undefined),
    eventAt: guard('event', eventAt, undefined),
    getSessionID: session.getSessionID,
    getSessionHash: session.getSessionHash,
    isActive: session.isActive,
    _stats: session._stats,
  };
}
