// bundle/errorBuffer.ts: what a record-on-error session keeps in memory.
import {test, mock} from 'node:test';
import assert from 'node:assert/strict';
import {createErrorBuffer} from '../errorBuffer';
import type {RecordedEvent} from '../types';

const META = 4;
const SNAPSHOT = 2;
const at = (type: number, timestamp: number, size = 0): RecordedEvent => ({type, timestamp, data: {pad: 'x'.repeat(size)}});

/** A buffer whose checkouts emit a Meta and a full snapshot, as rrweb's takeFullSnapshot does. */
function bufferWithCheckouts(bufferMs: number, maxBytes: number, snapshotSize = 0) {
  let now = 0;
  const buffer = createErrorBuffer(bufferMs, maxBytes, () => {
    buffer.add(at(META, now));
    buffer.add(at(SNAPSHOT, now, snapshotSize));
  });
  return {buffer, tick: (ms: number) => {
    now += ms;
    mock.timers.tick(ms);
  }};
}

test('keeps at most the last two checkouts: between half and all of bufferSeconds, from a full snapshot', () => {
  mock.timers.enable({apis: ['setInterval']});
  try {
    const {buffer, tick} = bufferWithCheckouts(10_000, 1e9);
    for (let t = 0; t < 60_000; t += 1000) {
      buffer.add(at(3, t));
      tick(1000);
    }
    const events = buffer.take();
    assert.equal(events[0].type, META);
    assert.equal(events[1].type, SNAPSHOT);
    const span = 60_000 - events[0].timestamp;
    assert.ok(span <= 10_000 && span >= 5_000, `kept ${span} ms`);
    assert.equal(events.filter((event) => event.type === SNAPSHOT).length, 2);
  } finally {
    mock.timers.reset();
  }
});

test('past maxBufferBytes the older segment goes first, and the total stays under the cap', () => {
  mock.timers.enable({apis: ['setInterval']});
  try {
    const {buffer, tick} = bufferWithCheckouts(10_000, 50_000, 5_000);
    let largest = 0;
    for (let t = 0; t < 60_000; t += 100) {
      buffer.add(at(3, t, 1_000));
      largest = Math.max(largest, buffer.bytes());
      tick(100);
    }
    assert.ok(largest <= 50_000, `held ${largest} bytes`);
    assert.ok(buffer.bytes() > 0);
  } finally {
    mock.timers.reset();
  }
});

test('a segment alone over the cap is dropped, and nothing is kept until the next full snapshot', () => {
  mock.timers.enable({apis: ['setInterval']});
  try {
    const {buffer, tick} = bufferWithCheckouts(10_000, 20_000);
    buffer.add(at(META, 0));
    buffer.add(at(SNAPSHOT, 0));
    for (let i = 0; i < 30; i++) buffer.add(at(3, i, 1_000));
    assert.equal(buffer.bytes(), 0);
    buffer.add(at(3, 31, 10));
    assert.equal(buffer.bytes(), 0);
    tick(5_000); // checkout
    const events = buffer.take();
    assert.deepEqual(events.map((event) => event.type), [META, SNAPSHOT]);
  } finally {
    mock.timers.reset();
  }
});

test('take() stops the checkouts', () => {
  mock.timers.enable({apis: ['setInterval']});
  try {
    let checkouts = 0;
    const buffer = createErrorBuffer(10_000, 1e9, () => checkouts++);
    mock.timers.tick(5_000);
    buffer.take();
    mock.timers.tick(50_000);
    assert.equal(checkouts, 1);
  } finally {
    mock.timers.reset();
  }
});

test('an event is kept as its JSON, made once: what take() hands over is what bytes() counted', () => {
  mock.timers.enable({apis: ['setInterval']});
  try {
    const buffer = createErrorBuffer(10_000, 1e9, () => {});
    const events = [at(META, 1), at(SNAPSHOT, 2, 30), at(3, 3, 5)];
    events.forEach((event) => buffer.add(event));
    const bytes = buffer.bytes();
    // Changing an event after it was added changes nothing that was kept.
    (events[2].data as {pad: string}).pad = 'changed';
    const kept = buffer.take();
    assert.deepEqual(kept.map(({type, timestamp}) => [type, timestamp]), [[META, 1], [SNAPSHOT, 2], [3, 3]]);
    assert.deepEqual(kept.map((event) => JSON.parse(event.json)), [at(META, 1), at(SNAPSHOT, 2, 30), at(3, 3, 5)]);
    assert.equal(bytes, kept.reduce((sum, event) => sum + event.json.length, 0));
  } finally {
    mock.timers.reset();
  }
});
