// The "raw rrweb" variant: the tracker's own recorder module (the same rrweb
// options, privacy selectors and sampling) with none of the tracker around it:
// no session, no batching, no delivery. Events are discarded; the last full
// snapshot is kept so the harness can weigh it after the measurement.
import {startRecording} from '../../bundle/recorder';

interface BenchRecorder {
  start(): boolean;
  stop(): void;
  events: number;
  lastFullSnapshot: unknown;
}

const FULL_SNAPSHOT = 2;
let stopRecording: (() => void) | null = null;

const benchRecorder: BenchRecorder = {
  events: 0,
  lastFullSnapshot: null,
  // The tracker's defaults (createTracker.ts) leave every recorder option unset.
  start() {
    const recorder = startRecording({}, (event) => {
      benchRecorder.events++;
      if (event.type === FULL_SNAPSHOT) benchRecorder.lastFullSnapshot = event;
    });
    stopRecording = recorder ? recorder.stop : null;
    return recorder !== null;
  },
  stop() {
    stopRecording?.();
    stopRecording = null;
  },
};

(window as unknown as {benchRecorder: BenchRecorder}).benchRecorder = benchRecorder;
