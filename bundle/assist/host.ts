// What the bundle hands tracker-assist.js when the first agent joins, and what
// it gets back: the seam between the live channel (main bundle) and watching
// and control (this folder's other modules).
import type {InitOptions, RecordedEvent} from '../types';
import type {Recorder} from '../recorder';
import type {ToTrackerFrame, TrackerFrame} from './protocol';

export interface AssistHost {
  /** A frame, or a frame's JSON sent as it is. */
  send(frame: TrackerFrame | string): void;
  /**
   * Every event the recorder records from now on (already redacted), until
   * tap(null), with its JSON: made once for the stream and the batch alike.
   */
  tap(listener: ((event: RecordedEvent, json: string) => void) | null): void;
  /**
   * The recorder (its snapshots, rrweb's node ids); null before it starts. In
   * an assistOnly session, where nothing records until an agent watches, it
   * starts now (and takes a first full snapshot).
   */
  recorder(): Recorder | null;
  /** The tracker's init options; `assist` as the site gave it (false in an assistOnly session means the defaults). */
  options: InitOptions;
}

export interface Assist {
  onFrame(frame: ToTrackerFrame): void;
  /** The session stopped: end control, close any dialog, stop streaming. */
  stop(): void;
}

export type StartAssist = (host: AssistHost) => Assist;
