// How times, offsets and sizes read in the viewer.
import type {SessionCount} from './types';

export const formatTime = (ms: number) => new Date(ms).toLocaleString();

export function formatDuration(ms = 0): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A replay offset as 01:02.3: the player shows whole seconds, rows a tenth more, to tell close rows apart. */
export function formatOffset(ms: number): string {
  const tenths = Math.max(0, Math.floor(ms / 100));
  const minutes = Math.floor(tenths / 600);
  const seconds = (tenths % 600) / 10;
  return `${String(minutes).padStart(2, '0')}:${seconds.toFixed(1).padStart(4, '0')}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * How many sessions a listing matches (GET /api/sessions?count=1): "1,234
 * sessions" when counted, "about 2.3 million sessions (estimate)" when the
 * collector estimated it (past 10,000, or, until the exact count comes, a
 * count that would have held up the page).
 */
export function formatSessionCount({value, exact}: SessionCount): string {
  const noun = value === 1 && exact ? 'session' : 'sessions';
  if (exact) return `${value.toLocaleString('en-US')} ${noun}`;
  return `about ${roughly(value)} ${noun} (estimate)`;
}

// Two significant digits: an estimate says no more than it knows.
function roughly(value: number): string {
  for (const [size, name] of [[1e9, 'billion'], [1e6, 'million']] as const) {
    if (value >= size) return `${Number((value / size).toPrecision(2)).toLocaleString('en-US')} ${name}`;
  }
  return Number(value.toPrecision(2)).toLocaleString('en-US');
}
