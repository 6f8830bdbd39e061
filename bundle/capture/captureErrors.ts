// Uncaught errors and unhandled rejections, observed with listeners: the
// page's own window.onerror / onunhandledrejection and listeners still run,
// and the browser still reports them in its console (nothing is prevented).
// URLs in the message, the stack and the source are redacted like every URL
// the tracker sends: a script loaded as /app.js?token=… names it in each frame.
import {cut, describeError, describeValue} from '../lib/describeValue';
import {redactUrl, redactUrlsIn} from '../lib/redactUrl';
import type {Emit} from './types';

const MAX_STACK = 8 * 1024;

export interface ErrorPayload {
  kind: 'error' | 'unhandledrejection';
  message: string;
  name?: string;
  stack?: string;
  source?: string;
  line?: number;
  column?: number;
}

// A thrown value can be anything, with getters that throw.
function fromThrown(kind: ErrorPayload['kind'], thrown: unknown, fallback: string): ErrorPayload {
  try {
    if (thrown instanceof Error) {
      return {kind, message: redactUrlsIn(cut(String(thrown.message))), name: String(thrown.name), stack: redactUrlsIn(cut(describeError(thrown), MAX_STACK))};
    }
  } catch {}
  return {kind, message: redactUrlsIn(thrown == null ? cut(fallback) : describeValue(thrown))};
}

export function captureErrors(emit: Emit): void {
  addEventListener('error', (event) => {
    // Failed resources (img, script) do not bubble to window: only script errors get here.
    if (!(event instanceof ErrorEvent)) return;
    const payload = fromThrown('error', event.error, event.message);
    payload.message ||= redactUrlsIn(cut(event.message));
    if (event.filename) payload.source = redactUrl(event.filename);
    if (event.lineno) payload.line = event.lineno;
    if (event.colno) payload.column = event.colno;
    emit('tracker.error', payload);
  });
  addEventListener('unhandledrejection', (event) => {
    emit('tracker.error', fromThrown('unhandledrejection', event.reason, 'a promise was rejected with no reason'));
  });
}
