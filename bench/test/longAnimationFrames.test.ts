// How figure 2 tells the tracker's blocking work from the page's
// (lib/longAnimationFrames.mjs): by Long Animation Frames' scripts and the
// Long Tasks API's tasks, measured in the same load.
import {test} from 'node:test';
import assert from 'node:assert/strict';
// @ts-expect-error: plain ES module without types
import {trackerFrames, trackerScriptMatcher} from '../lib/longAnimationFrames.mjs';

const isTracker = trackerScriptMatcher('http://127.0.0.1:9/tracker.js');
const script = (sourceURL: string, startTime: number, duration: number) => ({sourceURL, startTime, duration, forcedStyleAndLayoutDuration: 0, invoker: sourceURL});
const frame = (startTime: number, duration: number, blockingDuration: number, scripts: ReturnType<typeof script>[]) => ({startTime, duration, blockingDuration, scripts});

test('a tracker script that is a short task of its own blocks nothing, also inside a long frame', () => {
  // A 140 ms frame: the page's parse (100 ms, one long task), then the tracker's 12 ms task.
  const frames = [frame(200, 140, 74, [script('http://127.0.0.1:9/page.js', 200, 100), script('http://127.0.0.1:9/tracker.js', 310, 12)])];
  const seen = trackerFrames(frames, isTracker, Infinity, [[200, 100]], 400);
  assert.equal(seen.blocking, 0);
  assert.equal(seen.longestScript, 12);
  // The looser bounds still count it: the frame blocked, and it began before the paint.
  assert.equal(seen.frameBlocking, 12);
  assert.equal(seen.beforePaint, 12);
});

test('tracker scripts inside a long task count, together up to that task\'s time past 50 ms', () => {
  const frames = [
    frame(1000, 120, 60, [script('http://127.0.0.1:9/tracker.js', 1000, 30), script('http://127.0.0.1:9/tracker-worker.js', 1040, 40)]),
    frame(2000, 90, 20, [script('http://127.0.0.1:9/tracker.js', 2010, 8)]),
  ];
  const seen = trackerFrames(frames, isTracker, Infinity, [[1000, 110], [2000, 70]], 500);
  // 70 ms of tracker scripts in a 110 ms task: 60 ms past 50; 8 ms in a 70 ms task: 8.
  assert.equal(seen.blocking, 60 + 8);
  // Both frames began after the first contentful paint.
  assert.equal(seen.beforePaint, 0);
  assert.equal(seen.scripts, 3);
});

test('without the Long Tasks API the blocking time is unknown, not 0; without frames everything is', () => {
  const frames = [frame(0, 80, 30, [script('http://127.0.0.1:9/tracker.js', 0, 60)])];
  assert.equal(trackerFrames(frames, isTracker).blocking, null);
  assert.equal(trackerFrames(null, isTracker).blocking, null);
  assert.equal(trackerFrames(frames, isTracker, Infinity, [[0, 60]]).blocking, 10);
});
