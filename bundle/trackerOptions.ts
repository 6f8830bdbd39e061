// The options a tracker runs with: what the page gave, over the defaults
// (SPEC section 2; bundle/types.ts documents each one).
import type {InitOptions} from './types';

// Assist's options have no defaults here: they are read only by the channel and tracker-assist.js.
export type TrackerOptions = Required<Omit<InitOptions, 'assist' | 'assistScriptUrl'>> & InitOptions;

export const withDefaults = (config: InitOptions): TrackerOptions => ({
  maskAllInputs: true,
  maskAllText: false,
  maskTextSelector: '',
  maskEmailsAndCards: true,
  blockSelector: '',
  flushIntervalMs: 5000,
  maxBatchEvents: 500,
  maxBufferBytes: 8 * 1024 * 1024,
  checkoutIntervalMs: 5 * 60_000,
  inactivityTimeoutMs: 30 * 60_000,
  maxRetryDelayMs: 30_000,
  captureVitals: true,
  captureErrors: true,
  captureConsole: true,
  captureNetwork: true,
  captureNavigation: true,
  captureFrustration: true,
  sampleRate: 1,
  onErrorSampleRate: 0,
  bufferSeconds: 60,
  captureCanvas: false,
  canvasFps: 2,
  canvasQuality: 0.6,
  canvasScriptUrl: '',
  ...config,
});
