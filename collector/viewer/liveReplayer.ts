// Draws a live page: rrweb's Replayer in live mode, fed the events the
// collector relays from the user's tab, scaled to fit its stage.
//
// Live mode schedules each event at `event.timestamp - baselineTime` on the
// Replayer's clock, which is the viewer's. The timestamps are the user's
// clock, which may be off by minutes: each event is moved onto the viewer's
// clock by the smallest lag seen so far (arrival - timestamp), so that the
// page shows as soon as its snapshot arrives whatever the two clocks say, and
// kept in order (never before the event before it). BUFFER_MS then spaces
// the events of a batch as they were recorded.
//
// A page load, a resync and another tab all arrive as a Meta and a
// FullSnapshot: live mode rebuilds the iframe's document from it in place
// (Replayer's FullSnapshot cast calls rebuildFullSnapshot after the first).
// Live mode keeps every event it was given, so after MAX_EVENTS the next
// snapshot starts a fresh Replayer instead.
import {Replayer} from '@rrweb/replay';
import type {LiveEvent} from '../../bundle/assist/protocol';
import {canvasReplay} from './canvasReplay';
import {sanitizeReplayEvent} from './sanitizeReplayEvent';
import {META} from './types';

const FULL_SNAPSHOT = 2;
/**
 * How long an event waits before it is drawn. The goal is a change on screen
 * within 250 ms of the user's page at p95: the relay and the tracker's batching
 * take most of that, so the buffer only absorbs a little jitter.
 */
export const BUFFER_MS = 100;
const MAX_EVENTS = 20_000;

export interface LiveReplayer {
  /** Draws one tab's events, in order, and returns those it took (cleaned, on the viewer's clock). Nothing before a full snapshot is taken. */
  add(events: LiveEvent[]): LiveEvent[];
  /** Forgets the page: the events after this start with a full snapshot (another tab, a reconnect). */
  reset(): void;
  /** Scales the page to the stage again (the window was resized). */
  fit(): void;
  /** The Replayer drawing now, or null before the first full snapshot. */
  replayer(): Replayer | null;
  /** The scale the page is drawn at (1: the user's viewport in as many CSS pixels). */
  scale(): number;
  destroy(): void;
}

export function createLiveReplayer(stage: HTMLElement, maxHeight: () => number, onPage: () => void): LiveReplayer {
  let current: Replayer | null = null;
  let eventCount = 0;
  let waitingForSnapshot = true;
  /** Viewer clock minus the user's clock, with the smallest lag seen. */
  let skew = Infinity;
  let lastTimestamp = -Infinity;
  let size = {width: 0, height: 0};
  let scale = 1;

  function fit(): void {
    if (!current || !size.width || !size.height) return;
    scale = Math.min(1, stage.clientWidth / size.width, Math.max(120, maxHeight()) / size.height);
    current.wrapper.style.transform = `scale(${scale})`;
    stage.style.height = `${Math.ceil(size.height * scale)}px`;
  }

  function build(): Replayer {
    current?.destroy();
    stage.replaceChildren();
    const replayer = new Replayer([], {
      root: stage,
      liveMode: true,
      // Events that come late are cast at once ("sync"); with the virtual DOM,
      // such mutations wait for a Flush that only play() sends in live mode.
      useVirtualDom: false,
      // rebuildFullSnapshot marks the page paused outside play(): live pages keep their animations.
      pauseAnimation: false,
      mouseTail: false,
      showWarning: false,
      plugins: [canvasReplay()],
    });
    replayer.on('resize', (dimension: unknown) => {
      size = dimension as {width: number; height: number};
      fit();
    });
    replayer.on('fullsnapshot-rebuilded', onPage);
    replayer.startLive(Date.now() - BUFFER_MS);
    eventCount = 0;
    return replayer;
  }

  function add(events: LiveEvent[]): LiveEvent[] {
    const taken: LiveEvent[] = [];
    const arrived = Date.now();
    for (const event of events) {
      if (typeof event?.timestamp === 'number' && Number.isFinite(event.timestamp)) skew = Math.min(skew, arrived - event.timestamp);
    }
    for (const event of events) {
      if (typeof event?.type !== 'number' || typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) continue;
      const startsPage = event.type === META || event.type === FULL_SNAPSHOT;
      // Changes to a page whose snapshot this view never got: nothing to apply them to.
      if (waitingForSnapshot && !startsPage) continue;
      if (startsPage && (!current || (event.type === META && eventCount > MAX_EVENTS))) current = build();
      waitingForSnapshot = false;
      event.timestamp = lastTimestamp = Math.max(event.timestamp + skew, lastTimestamp);
      sanitizeReplayEvent(event as {type: number; data: any});
      eventCount++;
      current!.addEvent(event as never);
      taken.push(event);
    }
    return taken;
  }

  function reset(): void {
    waitingForSnapshot = true;
  }

  function destroy(): void {
    current?.destroy();
    current = null;
  }

  return {add, reset, fit, replayer: () => current, scale: () => scale, destroy};
}
