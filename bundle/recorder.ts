// rrweb's DOM recording with privacy by default. Every emitted event goes to
// `onEvent` redacted (lib/redactRecordedEvent.ts), so nothing after this sees
// a URL secret, an email or a card number that the page showed.
import {record} from '@rrweb/record';
import type {InitOptions, RecordedEvent} from './types';
import {redactRecordedEvent} from './lib/redactRecordedEvent';
import {privacySelectors} from './privacySelectors';
import {warn} from './lib/warn';

export interface Recorder {
  stop(): void;
  takeFullSnapshot(): void;
  nodeId(node: Node | null | undefined): number | null;
}

export function startRecording(options: InitOptions, onEvent: (event: RecordedEvent) => void): Recorder | null {
  const onError = (error: unknown) => {
    warn('recording error', error);
    return true;
  };
  const stop = record({
    emit(event) {
      // An event that could not be redacted is dropped, never sent as it was.
      try {
        onEvent(redactRecordedEvent(event as RecordedEvent, options.maskEmailsAndCards !== false));
      } catch (error) {
        onError(error);
      }
    },
    maskAllInputs: options.maskAllInputs !== false,
    maskInputOptions: {password: true},
    ...privacySelectors(options),
    checkoutEveryNms: options.checkoutIntervalMs ?? 5 * 60_000,
    // Start at DOMContentLoaded rather than waiting for every image (`load`).
    recordAfter: 'DOMContentLoaded',
    slimDOMOptions: {script: true, comment: true, headFavicon: true, headWhitespace: true, headMetaSocial: true, headMetaRobots: true, headMetaHttpEquiv: true, headMetaVerification: true, headMetaAuthorship: true},
    // Every input event is kept (masked): 'last' would listen to change only and
    // lose what was typed right before the tab closed.
    sampling: {mousemove: 50, scroll: 150},
    errorHandler: onError,
  });
  if (!stop) return null;
  return {
    stop,
    takeFullSnapshot: () => record.takeFullSnapshot(true),
    nodeId(node) {
      const id = node ? record.mirror.getId(node) : -1;
      return id > 0 ? id : null;
    },
  };
}
