// The viewer's words for how many sessions a listing matches (viewer/format.ts).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {formatSessionCount} from '../viewer/format';

test('a count is shown as counted, with its thousands separated', () => {
  assert.equal(formatSessionCount({value: 0, exact: true}), '0 sessions');
  assert.equal(formatSessionCount({value: 1, exact: true}), '1 session');
  assert.equal(formatSessionCount({value: 1234, exact: true}), '1,234 sessions');
  assert.equal(formatSessionCount({value: 10_000, exact: true}), '10,000 sessions');
});

test('an estimate says so, rounded to two digits, in millions past a million', () => {
  assert.equal(formatSessionCount({value: 2_345_678, exact: false}), 'about 2.3 million sessions (estimate)');
  assert.equal(formatSessionCount({value: 10_001, exact: false}), 'about 10,000 sessions (estimate)');
  assert.equal(formatSessionCount({value: 45_678, exact: false}), 'about 46,000 sessions (estimate)');
  assert.equal(formatSessionCount({value: 3_000_000, exact: false}), 'about 3 million sessions (estimate)');
  assert.equal(formatSessionCount({value: 12_600_000_000, exact: false}), 'about 13 billion sessions (estimate)');
});
