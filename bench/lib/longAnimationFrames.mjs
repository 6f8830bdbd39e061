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
            // Past the script's compiling, for a script's own run.
            executionStart: script.executionStart,
            duration: script.duration,
            forcedStyleAndLayoutDuration: script.forcedStyleAndLayoutDuration,
            invoker: script.invoker,
            invokerType: script.invokerType,
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
 * longest script and that script's forced style and layout, the longest
 * frame holding any script of the tracker's, and the blocking time its
 * scripts account for. 0 when no frame over 50 ms held a tracker script over
 * 5 ms; null without the API.
 *
 * The blocking time (`blocking`, given the load's long tasks as
 * [startTime, duration] pairs from the Long Tasks API): total blocking time
 * counts each task's time past 50 ms, so a script adds to it only inside a
 * long task. Each tracker script that ran inside one counts, up to that
 * task's time past 50 ms (all of the tracker's scripts in it together); a
 * script that was a short task of its own counts nothing, also inside a long
 * frame. Scripts under 5 ms are not in the frames, nor the tracker's code
 * that the page's own scripts call (a patched fetch), so up to 5 ms per long
 * task may be missed; a script's time includes the style and layout it
 * forced, which the page would mostly have done anyway a moment later.
 *
 * `frameBlocking` is a looser bound: in each frame, the tracker's scripts'
 * time up to the frame's blocking time, which counts the frame's rendering
 * too. `beforePaint` (given the first contentful paint's time): the
 * tracker's script time in frames that began before it, what that paint can
 * have waited for the tracker on the main thread, as far as frames over
 * 50 ms show it.
 */
export function trackerFrames(frames, isTracker, untilMs = Infinity, longTasks = null, paintMs = null) {
  if (!frames) return {longestScript: null, forcedStyleAndLayout: null, invoker: null, longestFrame: null, scripts: null, blocking: null, frameBlocking: null, beforePaint: null};
  let longest = null;
  let longestFrame = 0;
  let scripts = 0;
  let frameBlocking = 0;
  let beforePaint = paintMs === null ? null : 0;
  // Each long task's tracker time: [task, ms].
  const inTasks = new Map();
  for (const frame of frames) {
    if (frame.startTime >= untilMs) continue;
    const own = frame.scripts.filter((script) => isTracker(script.sourceURL));
    if (!own.length) continue;
    longestFrame = Math.max(longestFrame, frame.duration);
    scripts += own.length;
    const ownMs = own.reduce((sum, script) => sum + script.duration, 0);
    frameBlocking += Math.min(ownMs, frame.blockingDuration);
    if (paintMs !== null && frame.startTime < paintMs) beforePaint += ownMs;
    for (const script of own) {
      if (!longest || script.duration > longest.duration) longest = script;
      // The two APIs round differently: a millisecond of slack either side.
      const task = longTasks?.find(([start, duration]) => start <= script.startTime + 1 && script.startTime + script.duration <= start + duration + 1);
      if (task) inTasks.set(task, (inTasks.get(task) ?? 0) + script.duration);
    }
  }
  let blocking = longTasks ? 0 : null;
  for (const [[, duration], ms] of inTasks) blocking += Math.min(ms, Math.max(0, duration - 50));
  return {
    longestScript: longest ? longest.duration : 0,
    forcedStyleAndLayout: longest ? longest.forcedStyleAndLayoutDuration : 0,
    invoker: longest ? longest.invoker : null,
    longestFrame,
    scripts,
    blocking,
    frameBlocking,
    beforePaint,
  };
}
