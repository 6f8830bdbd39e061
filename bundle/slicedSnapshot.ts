// Runs rrweb's full snapshot a few milliseconds at a time, yielding to the page
// in between, so that no task of the tracker's blocks it: the walk is
// rrweb's own, made a generator at build time (scripts/sliceRrwebSnapshot.mjs,
// which also explains why the result stays exact while the page changes).
//
// Slices follow each other as tasks of scheduler.postTask where there is one
// (Chromium), else of a MessageChannel; not of setTimeout, whose timers are
// clamped to 4 ms once nested and to one a second in a hidden tab, where a
// snapshot of 50 slices would take nearly a minute. Not of a MessageChannel in
// Chromium either: it delivers a message posted meanwhile in the same task,
// so 8 ms slices showed as 50 to 62 ms scripts in its long animation frames
// (e2e/mainThread.spec.ts). Input and rendering go first: the
// browser runs them between tasks.
import {warn} from './lib/warn';

/** Time one slice may take, checked before each node. */
const SLICE_MS = 8;

// rrweb's serialized node, as far as this module needs it.
export interface SnapshotNode {
  id: number;
  childNodes?: SnapshotNode[];
}

let running: {cancelled: boolean; finish(): void} | null = null;
let slicing = false;
let nodeDone: ((node: SnapshotNode) => void) | null = null;
let channel: MessageChannel | null = null;
const queue: (() => void)[] = [];

function nextTask(run: () => void): void {
  const scheduler = (globalThis as {scheduler?: {postTask?(run: () => void): Promise<void>}}).scheduler;
  if (scheduler?.postTask) return void scheduler.postTask(run).catch(() => {});
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
  }
  queue.push(run);
  channel.port2.postMessage(0);
}

/** The tracker's step for each node once its subtree is complete (null: none). */
export function onSnapshotNode(hook: ((node: SnapshotNode) => void) | null): void {
  nodeDone = hook;
}

/** True while a slice runs: the walk yields, and reports each node. */
export const inSlice = (): boolean => slicing;

/** Called by the walk for each node, children first. */
export function snapshotNodeDone(node: SnapshotNode): void {
  nodeDone?.(node);
}

/**
 * Runs `walk` in slices; `beforeSlice` before each (rrweb locks the mutation
 * buffers made meanwhile), `done` with its result, or null when it threw.
 * A walk still under way is abandoned.
 */
export function runSlices<T>(walk: Generator<unknown, T | null>, beforeSlice: () => void, done: (result: T | null) => void): void {
  cancelSlices();
  const mine: {cancelled: boolean; finish(): void} = {cancelled: false, finish: () => slice(Infinity)};
  running = mine;
  function slice(budget = SLICE_MS): void {
    if (mine.cancelled) return;
    let result: IteratorResult<unknown, T | null>;
    try {
      beforeSlice();
      slicing = true;
      const deadline = performance.now() + budget;
      do result = walk.next();
      while (!result.done && performance.now() < deadline);
    } catch (error) {
      warn('the page could not be snapshotted', error);
      result = {done: true, value: null};
    } finally {
      slicing = false;
    }
    if (!result.done) return nextTask(() => slice());
    mine.cancelled = true;
    running = null;
    done(result.value);
  }
  nextTask(() => slice());
}

/**
 * Takes the rest of a snapshot under way at once: recording stops, and what
 * was recorded must replay. Only stop() within the first second or so of a
 * big page makes this a long task.
 */
export function finishSlices(): void {
  running?.finish();
}

export function cancelSlices(): void {
  if (running) running.cancelled = true;
  running = null;
}
