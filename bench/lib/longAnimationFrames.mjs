// Blocking work told apart by whose script it is, with the Long Animation
// Frames API: every frame over 50 ms, and in it every script over 5 ms with its
// source URL, its duration (the forced style and layout it caused included)
// and what invoked it (a timer, a promise, an event, the script's own run).
// Subtracting the page's long tasks without the tracker is not stable enough
// here: the page's own first layout moves from under 50 ms to 160 ms between
// loads (issue #31).
// https://developer.mozilla.org/en-US/docs/Web/API/Performance_API/Long_animation_frame_timing

// An init script (Playwright's addInitScript): frames are only handed to
// observers, and `buffered` replays those before the observer, so it must run
// before the page's first script.
export const observeLongAnimationFrames = () => {
  window.__benchFrames = [];
  try {
    new PerformanceObserver((list) => {
      for (const frame of list.getEntries()) {
        window.__benchFrames.push({
          startTime: frame.startTime,
          duration: frame.duration,
          blockingDuration: frame.blockingDuration,
          scripts: frame.scripts.map((script) => ({
            sourceURL: script.sourceURL,
            startTime: script.startTime,
            duration: script.duration,
            forcedStyleAndLayoutDuration: script.forcedStyleAndLayoutDuration,
            invoker: script.invoker,
          })),
        });
      }
    }).observe({type: 'long-animation-frame', buffered: true});
  } catch {
    // No Long Animation Frames API: the tracker's tasks stay unknown rather than 0.
    window.__benchFrames = null;
  }
};

export const readLongAnimationFrames = () => window.__benchFrames;

/**
 * Whether a script URL is the tracker's: the bundle itself, or a file the
 * bundle loads from beside it (tracker-worker.js, tracker-canvas.js, any
 * later part) under the same directory and a name starting with "tracker".
 */
export function trackerScriptMatcher(bundleUrl) {
  const bundle = new URL(bundleUrl);
  const directory = bundle.href.slice(0, bundle.href.lastIndexOf('/') + 1);
  return (url) => {
    if (!url) return false;
    const bare = url.split(/[?#]/)[0];
    return bare === bundle.href.split(/[?#]/)[0] || (bare.startsWith(directory) && /^tracker[^/]*\.m?js$/.test(bare.slice(directory.length)));
  };
}

/**
 * One load's frames (readLongAnimationFrames) seen from the tracker: its
 * longest script and that script's forced style and layout, and the longest
 * frame holding any script of the tracker's. 0 when no frame over 50 ms held
 * a tracker script over 5 ms; null without the API.
 */
export function trackerFrames(frames, isTracker, untilMs = Infinity) {
  if (!frames) return {longestScript: null, forcedStyleAndLayout: null, invoker: null, longestFrame: null, scripts: null};
  let longest = null;
  let longestFrame = 0;
  let scripts = 0;
  for (const frame of frames) {
    if (frame.startTime >= untilMs) continue;
    const own = frame.scripts.filter((script) => isTracker(script.sourceURL));
    if (!own.length) continue;
    longestFrame = Math.max(longestFrame, frame.duration);
    scripts += own.length;
    for (const script of own) if (!longest || script.duration > longest.duration) longest = script;
  }
  return {
    longestScript: longest ? longest.duration : 0,
    forcedStyleAndLayout: longest ? longest.forcedStyleAndLayoutDuration : 0,
    invoker: longest ? longest.invoker : null,
    longestFrame,
    scripts,
  };
}
