// The type of `window.tracker` on a page with the snippet, for the site's own
// TypeScript: `/// <reference types="replay-tracker/global" />` (or
// "types": ["replay-tracker/global"] in tsconfig.json). Not imported by the
// bundle: build.mjs emits it as dist/types/global.d.ts.
import type {Tracker} from './types';

declare global {
  /**
   * The snippet's stub until the bundle arrives, then the live tracker: the
   * same object, so a reference taken early keeps working. On the stub every
   * method queues its call (`start()` and `stop()` already return the promise
   * the live tracker settles) and the getters answer `null` and `false`.
   */
  var tracker: Tracker;
}

export {};
