// A page script for the snapshot tests: records with the tracker's recorder
// (bundle/recorder.ts) alone, as the bundle would, and keeps what it emits.
// Built twice by e2e/slicedSnapshot.spec.ts: with rrweb's synchronous
// snapshot, and sliced as the tracker ships it.
import {startRecording} from '../../bundle/recorder';
import type {InitOptions} from '../../bundle/types';

const events: {type: number; json: string}[] = [];
let stop = (): void => {};
const snapshot = () => events.find((event) => event.type === 2)?.json ?? null;

(window as unknown as {probe: object}).probe = {
  /** Starts recording; true if the full snapshot was already taken when it returned. */
  start(): boolean {
    const recording = startRecording({} as InitOptions, (event, json) => events.push({type: event.type, json: json ?? JSON.stringify(event)}));
    stop = () => recording?.stop();
    return snapshot() !== null;
  },
  snapshot,
  /** Stops recording; every event it emitted, as JSON, in order. */
  stop(): string[] {
    stop();
    return events.map((event) => event.json);
  },
};
