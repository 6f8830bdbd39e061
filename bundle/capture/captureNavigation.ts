// Route changes of single-page apps as tracker.navigation events:
// history.pushState/replaceState (the page's call runs first and its result is
// returned unchanged), popstate and hashchange. A replaceState that keeps the
// URL (state bookkeeping, scroll restoration) is not a navigation.
import {redactUrl} from '../lib/redactUrl';
import type {Emit} from './types';

export function captureNavigation(emit: Emit): void {
  let last = location.href;
  const record = (kind: string) => {
    const url = location.href;
    if (kind === 'replaceState' && url === last) return;
    last = url;
    emit('tracker.navigation', {url: redactUrl(url), kind});
  };
  for (const kind of ['pushState', 'replaceState'] as const) {
    const original = history[kind];
    if (typeof original !== 'function') continue;
    history[kind] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      try {
        record(kind);
      } catch {}
      return result;
    };
  }
  addEventListener('popstate', () => record('popstate'));
  addEventListener('hashchange', () => record('hashchange'));
}
