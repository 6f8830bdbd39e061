// console.* calls as tracker.console events. The page's console prints
// exactly as before (the original runs first, with the same this and
// arguments). Each second, at most MAX_PER_SECOND calls of each kind (errors
// and failed asserts; warnings; the rest) are serialized, so a logging loop
// cannot silence the error that follows it; past that a call is only counted,
// and the count is reported once as {throttled: n}. URLs in arguments are
// redacted like every URL the tracker sends. The tracker's own warnings
// (lib/warn.ts) are not captured.
import {describeValue} from '../lib/describeValue';
import {redactUrlsIn} from '../lib/redactUrl';
import {inTrackerWarning} from '../lib/warn';
import type {Emit} from './types';

export type ConsoleLevel = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'assert';
export const CONSOLE_LEVELS: ConsoleLevel[] = ['log', 'info', 'warn', 'error', 'debug', 'assert'];

const MAX_PER_SECOND = 50;
const MAX_ARGS = 20;

const budgetOf = (level: ConsoleLevel) => (level === 'error' || level === 'assert' ? 2 : level === 'warn' ? 1 : 0);

export function captureConsole(emit: Emit, levels: ConsoleLevel[]): void {
  // Per budget: when its second began, and how many calls it has seen since.
  const budgets = [0, 1, 2].map(() => ({start: 0, calls: 0}));
  let dropped = 0;
  let reporting = false;

  const reportDropped = () => {
    if (dropped) emit('tracker.console', {throttled: dropped});
    dropped = 0;
  };

  function record(level: ConsoleLevel, args: unknown[]): void {
    const now = Date.now();
    const budget = budgets[budgetOf(level)];
    if (now - budget.start >= 1000) {
      budget.start = now;
      budget.calls = 0;
    }
    if (++budget.calls > MAX_PER_SECOND) {
      // The count goes out a second after the first call dropped, even if the page falls silent.
      if (!dropped++) setTimeout(reportDropped, 1000);
      return;
    }
    emit('tracker.console', {level, args: args.slice(0, MAX_ARGS).map((arg) => redactUrlsIn(describeValue(arg)))});
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
