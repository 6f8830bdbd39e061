// console.* calls as tracker.console events. The page's console prints
// exactly as before (the original runs first, with the same this and
// arguments); a burst past MAX_PER_SECOND is counted, not serialized, and
// reported once as {throttled: n}. The tracker's own warnings (lib/warn.ts)
// are not captured.
import {describeValue} from '../lib/describeValue';
import {inTrackerWarning} from '../lib/warn';
import type {Emit} from './types';

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'assert';
export const CONSOLE_LEVELS: ConsoleLevel[] = ['log', 'info', 'warn', 'error', 'debug', 'assert'];

const MAX_PER_SECOND = 50;
const MAX_ARGS = 20;

export function captureConsole(emit: Emit, levels: ConsoleLevel[]): void {
  let windowStart = 0;
  let inWindow = 0;
  let dropped = 0;
  let reporting = false;

  const reportDropped = () => {
    if (dropped) emit('tracker.console', {throttled: dropped});
    dropped = 0;
  };

  function record(level: ConsoleLevel, args: unknown[]): void {
    const now = Date.now();
    if (now - windowStart >= 1000) {
      reportDropped();
      windowStart = now;
      inWindow = 0;
    }
    if (++inWindow > MAX_PER_SECOND) {
      // The count goes out when the burst's second is over, even if the page falls silent.
      if (!dropped++) setTimeout(reportDropped, 1000 - (now - windowStart));
      return;
    }
    emit('tracker.console', {level, args: args.slice(0, MAX_ARGS).map(describeValue)});
  }

  for (const level of levels) {
    const original = console[level] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') continue;
    console[level] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      // Re-entrance: a getter or toString that logs while we describe an argument.
      if (reporting || inTrackerWarning()) return result;
      if (level === 'assert') {
        if (args[0]) return result;
        args = args.slice(1);
      }
      reporting = true;
      try {
        record(level, args);
      } catch {
        // Never into the page.
      } finally {
        reporting = false;
      }
      return result;
    } as Console[ConsoleLevel];
  }
}
