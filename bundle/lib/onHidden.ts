// Runs `callback` when the page may be going away. visibilitychange->hidden is
// the last event some mobile browsers fire before killing a tab; pagehide covers
// the navigations where it does not fire (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
export function onHidden(callback: () => void): void {
  addEventListener(
    'visibilitychange',
    () => {
      if (document.visibilityState === 'hidden') callback();
    },
    true,
  );
  addEventListener('pagehide', callback, true);
}
