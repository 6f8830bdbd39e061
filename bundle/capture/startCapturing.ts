// Errors, console, network, navigation and frustration (SPEC section 5), each
// installed once, at the first start(), and each on its own: one that throws
// leaves the others recording.
import type {InitOptions} from '../types';
import {captureErrors} from './captureErrors';
import {captureConsole, CONSOLE_LEVELS} from './captureConsole';
import {captureNetwork} from './captureNetwork';
import {captureNavigation} from './captureNavigation';
import {captureFrustration} from './captureFrustration';
import {warn} from '../lib/warn';
import type {Emit} from './types';

/**
 * `capturing` says whether a session is active, starting or buffering: what
 * happens during the handshake is kept for the session; nothing is recorded
 * while there is none. `custom` records an event; `trigger` sends a
 * record-on-error buffer.
 */
export function startCapturing(
  options: InitOptions,
  ingestPoint: string,
  capturing: () => unknown,
  custom: Emit,
  trigger: (reason: string) => unknown,
  nodeId: (node: Node) => number | null,
): void {
  const emit: Emit = (tag, payload, timestamp) => {
    if (!capturing()) return;
    custom(tag, payload, timestamp);
    // What sends a record-on-error buffer: an uncaught error or a failed request.
    const {status, error} = payload as {status?: number; error?: string};
    if (tag === 'tracker.error') void trigger('error');
    if (tag === 'tracker.network' && ((status ?? 0) >= 400 || error)) void trigger('failed request');
  };
  const attempt = (what: string, install: () => void) => {
    try {
      install();
    } catch (error) {
      warn(`${what} capture could not start`, error);
    }
  };
  const {captureConsole: levels, captureNetwork: network} = options;
  if (options.captureErrors) attempt('error', () => captureErrors(emit));
  if (levels) attempt('console', () => captureConsole(emit, Array.isArray(levels) ? levels : CONSOLE_LEVELS));
  if (network) attempt('network', () => captureNetwork(emit, typeof network === 'object' ? network : {}, ingestPoint));
  if (options.captureNavigation) attempt('navigation', () => captureNavigation(emit));
  if (options.captureFrustration) attempt('frustration', () => captureFrustration(emit, nodeId));
}
