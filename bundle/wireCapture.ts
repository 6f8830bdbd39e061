// The capture wiring: what records the page for a session. The signals
// (errors, console, network, navigation, frustration) are installed once;
// each recording then starts the vitals at once, and rrweb's recorder, with
// the canvas snapshots beside it, when the page has loaded.
import type {TrackerOptions} from './trackerOptions';
import type {Emit} from './capture/types';
import type {CanvasCapture, StartCanvasCapture} from './canvas/captureCanvas';
import {startRecording, type OnRecordedEvent, type Recorder} from './recorder';
import {captureVitals} from './vitals';
import {warn} from './lib/warn';
import {afterLoad} from './lib/afterLoad';
import {startCapturing} from './capture/startCapturing';
import {loadPart} from './lib/loadPart';
import {privacySelectors} from './privacySelectors';

// A page still loading after this long is recorded anyway.
const RECORDING_DELAY_CAP_MS = 3000;

/**
 * Everything captured goes to `record` (rrweb's events) or `custom` (the
 * signals and vitals). Of the session the wiring needs whether one is
 * active, starting or buffering (capture/startCapturing.ts) and its trigger.
 */
export function wireCapture(
  options: TrackerOptions,
  ingestPoint: string,
  bundleScript: HTMLScriptElement | null | undefined,
  record: OnRecordedEvent,
  custom: Emit,
  capturing: () => unknown,
  trigger: (reason: string) => unknown,
) {
  let signals = false;
  let recorder: Recorder | null = null;
  // Bumped whenever recording ends or begins: a recorder that starts late (afterLoad) checks it.
  let generation = 0;
  let canvas: CanvasCapture | null = null;
  let canvasLoading: Promise<StartCanvasCapture | null> | null = null;
  const nodeId = (node: Node | null | undefined) => recorder?.nodeId(node) ?? null;

  function startCanvas(mine: number): void {
    canvasLoading ??= loadPart('canvas', options.canvasScriptUrl, bundleScript);
    void canvasLoading.then((startCanvasCapture) => {
      if (!startCanvasCapture || mine !== generation || !recorder) return;
      const {blockSelector, maskTextSelector} = privacySelectors(options);
      canvas = startCanvasCapture({
        fps: options.canvasFps,
        quality: options.canvasQuality,
        skipSelector: `${blockSelector},${maskTextSelector}`,
        nodeId,
        emit: record,
      });
    });
  }

  return {
    /** The signals, installed at the first start(). */
    startSignals(): void {
      if (signals) return;
      signals = true;
      startCapturing(options, ingestPoint, capturing, custom, trigger, nodeId);
    },

    beginCapture(): void {
      if (options.captureVitals) {
        captureVitals((vital) => custom('tracker.vital', vital), nodeId);
      }
      // The snapshot waits for the page to load and paint (lib/afterLoad.ts);
      // events of this session (custom ones) are kept meanwhile.
      const mine = ++generation;
      void afterLoad(RECORDING_DELAY_CAP_MS).then(() => {
        if (mine !== generation) return; // stopped, or another session began
        try {
          recorder = startRecording(options, record);
          if (!recorder) warn('rrweb could not start recording this document');
        } catch (error) {
          warn('recording could not start', error);
        }
        if (recorder && options.captureCanvas) startCanvas(mine);
      });
    },

    endCapture(): void {
      generation++;
      canvas?.stop();
      canvas = null;
      recorder?.stop();
      recorder = null;
    },

    takeFullSnapshot: () => recorder?.takeFullSnapshot(),

    /** A full snapshot was recorded: replay rebuilds every canvas empty at one. */
    snapshotRecorded(): void {
      canvas?.resend();
      // A snapshot is complete: a landmark in DevTools' timeline.
      performance.mark?.('tracker:recording-started');
    },

    /** For Assist: the recorder running, or one started now if `start` (an assistOnly session records nothing else). */
    recorder: (start: boolean) => (recorder ??= start ? startRecording(options, record) : null),
  };
}
