// bundle/sampling.ts: drawn once per session, kept with it.
import {test, beforeEach} from 'node:test';
import assert from 'node:assert/strict';
import {decideSampling} from '../sampling';

const store = new Map<string, string>();
(globalThis as any).sessionStorage = {
  getItem: (key: string) => store.get(key) ?? null,
  setItem: (key: string, value: string) => store.set(key, value),
  removeItem: (key: string) => store.delete(key),
};
beforeEach(() => store.clear());

const HOUR = 3_600_000;

test('sampleRate 1 records, 0 with onErrorSampleRate 0 samples out, 0 with onErrorSampleRate 1 buffers', () => {
  assert.equal(decideSampling('a', {sampleRate: 1, inactivityTimeoutMs: HOUR}), 'record');
  assert.equal(decideSampling('b', {sampleRate: 0, inactivityTimeoutMs: HOUR}), 'out');
  assert.equal(decideSampling('c', {sampleRate: 0, onErrorSampleRate: 1, inactivityTimeoutMs: HOUR}), 'buffer');
});

test('the stored decision wins over the rates on the next page of the session', () => {
  decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR});
  assert.equal(decideSampling('p', {sampleRate: 1, inactivityTimeoutMs: HOUR}), 'out');
});

test('forceNew draws again', () => {
  decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR});
  assert.equal(decideSampling('p', {sampleRate: 1, inactivityTimeoutMs: HOUR}, true), 'record');
});

test('a decision older than the inactivity timeout is drawn again', () => {
  store.set('tracker:sampling:p', JSON.stringify({decision: 'out', at: Date.now() - 2 * HOUR}));
  assert.equal(decideSampling('p', {sampleRate: 1, inactivityTimeoutMs: HOUR}), 'record');
});

test('a rate out of range falls back to its default', () => {
  assert.equal(decideSampling('x', {sampleRate: 7, inactivityTimeoutMs: HOUR}), 'record');
  assert.equal(decideSampling('y', {sampleRate: -1, inactivityTimeoutMs: HOUR}), 'record');
});

test('each project keeps its own decision', () => {
  decideSampling('one', {sampleRate: 0, inactivityTimeoutMs: HOUR});
  assert.equal(decideSampling('two', {sampleRate: 1, inactivityTimeoutMs: HOUR}), 'record');
});

test('a sessionHash continues a recorded session: it is recorded whatever the rates, and stays so', () => {
  decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR});
  assert.equal(decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR}, false, 'hash-from-another-origin'), 'record');
  assert.equal(decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR}), 'record');
});

test('forceNew with a sessionHash draws again (the hash is not used)', () => {
  assert.equal(decideSampling('p', {sampleRate: 0, inactivityTimeoutMs: HOUR}, true, 'hash'), 'out');
});
