import {test} from 'node:test';
import assert from 'node:assert/strict';
import {startRetention} from '../storage/startRetention';
import type {Storage} from '../storage/storage';

const DAY = 86_400_000;

// A storage holding `expired` sessions past the cutoff, recording each removal step.
function fakeStorage(expired: number) {
  const calls: Array<{time: number; limit: number; removed: number}> = [];
  let left = expired;
  const storage = {
    async removeInactiveSince(time: number, limit: number) {
      const removed = Math.min(left, limit);
      calls.push({time, limit, removed});
      left -= removed;
      return removed;
    },
  } as unknown as Storage;
  return {storage, calls};
}

test('a retention sweep removes expired sessions in bounded steps until none is left', async () => {
  const {storage, calls} = fakeStorage(250);
  const retention = startRetention(storage, {days: 30, batchSize: 100, now: () => 100 * DAY});
  try {
    // The first sweep starts at once; this one joins it or runs after it.
    await retention.sweep();
    assert.equal(calls.reduce((sum, call) => sum + call.removed, 0), 250);
    assert.deepEqual(calls.slice(0, 3).map((call) => call.removed), [100, 100, 50]);
    assert.ok(calls.every((call) => call.limit === 100 && call.time === 70 * DAY));
  } finally {
    await retention.stop();
  }
});
