// scanEvents must accept exactly the batches that JSON.parse and the event
// checks accept, and report the same events: compared on hand-picked edge
// cases and on thousands of mutations of real-looking batches.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {scanEvents} from '../ingest/scanEvents';
import {HttpError} from '../lib/httpError';

type Verdict = {ok: true; count: number; first?: number; last?: number; notable: unknown[]} | {ok: false; syntax: boolean; index?: number};

// What JSON.parse of the whole body and a check of every event say.
function oracle(body: Buffer): Verdict {
  let events: unknown;
  try {
    events = JSON.parse(body.toString('utf8'));
  } catch {
    return {ok: false, syntax: true};
  }
  if (!Array.isArray(events)) return {ok: false, syntax: false, index: -1};
  let first: number | undefined;
  let last: number | undefined;
  const notable: unknown[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return {ok: false, syntax: false, index: i};
    if (!Number.isInteger(event.type) || event.type < 0 || event.type > 6) return {ok: false, syntax: false, index: i};
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) return {ok: false, syntax: false, index: i};
    if (first === undefined || event.timestamp < first) first = event.timestamp;
    if (last === undefined || event.timestamp > last) last = event.timestamp;
    if (event.type === 4 || event.type === 5) notable.push(event);
  }
  return {ok: true, count: events.length, first, last, notable};
}

function scanned(body: Buffer): Verdict {
  try {
    const batch = scanEvents(body);
    return {ok: true, count: batch.eventCount, first: batch.firstEventAt, last: batch.lastEventAt, notable: batch.notable};
  } catch (error) {
    assert.ok(error instanceof HttpError, `scanEvents threw ${error}`);
    assert.equal(error.status, 400);
    const index = /event (\d+) of the batch/.exec(error.message)?.[1];
    return {ok: false, syntax: /not JSON/.test(error.message), index: index === undefined ? (/JSON array/.test(error.message) ? -1 : undefined) : Number(index)};
  }
}

function assertSame(body: Buffer) {
  const expected = oracle(body);
  const actual = scanned(body);
  const shown = body.length > 300 ? `${body.toString('utf8', 0, 300)}…` : body.toString('utf8');
  assert.equal(actual.ok, expected.ok, `accepted differently: ${JSON.stringify(shown)} (JSON.parse says ${JSON.stringify(expected)})`);
  if (expected.ok && actual.ok) {
    assert.deepEqual(actual, expected, shown);
  } else if (!expected.ok && !actual.ok && !expected.syntax) {
    // Valid JSON that is not a valid batch: the same first bad event is named.
    assert.equal(actual.syntax, false, shown);
    assert.equal(actual.index, expected.index, shown);
  }
}

const snapshotNode = (depth: number): unknown =>
  depth === 0
    ? {type: 3, textContent: 'héllo "wörld" \\ / \u2028 \ud83d\ude00', id: depth + 100}
    : {type: 2, tagName: 'div', attributes: {class: 'a b', style: 'color:red', 'data-x': ''}, childNodes: [snapshotNode(depth - 1), {type: 3, textContent: '\n  ', id: depth}], id: depth};

const realistic = [
  {type: 4, data: {href: 'https://shop.example.com/cart?x=1', width: 1280, height: 720}, timestamp: 1700000000000},
  {type: 2, data: {node: snapshotNode(6), initialOffset: {left: 0, top: -0}}, timestamp: 1700000000001},
  {type: 3, data: {source: 1, positions: [{x: 1.5, y: 2e2, id: 5, timeOffset: -12}]}, timestamp: 1700000000002.5},
  {type: 3, data: {source: 0, texts: [], attributes: [{id: 9, attributes: {class: null, hidden: true, value: false}}], removes: [], adds: []}, timestamp: 1700000000003},
  {type: 5, data: {tag: 'tracker.console', payload: {level: 'error', args: ['boom', '{"a":1}']}}, timestamp: 1700000000004},
  {type: 5, data: {tag: 'tracker.network', payload: {method: 'GET', url: 'https://api/x', status: 500, durationMs: 12.25}}, timestamp: 1699999999999},
];

test('a realistic batch is accepted with its count, time range and notable events', () => {
  const body = Buffer.from(JSON.stringify(realistic));
  const batch = scanEvents(body);
  assert.equal(batch.eventCount, 6);
  assert.equal(batch.firstEventAt, 1699999999999);
  assert.equal(batch.lastEventAt, 1700000000004);
  assert.deepEqual(batch.notable, [realistic[0], realistic[4], realistic[5]]);
  assertSame(body);
  assertSame(Buffer.from(JSON.stringify(realistic, null, 2)));
});

test('edge cases are judged as JSON.parse and the event checks judge them', () => {
  const cases = [
    '[]', ' [ ] ', '[\n]\n', '', ' ', '[', ']', '[,]', '[{}]', '[{"type":1,"timestamp":2},]', '[{"type":1,"timestamp":2}]x',
    '[{"type":1,"timestamp":2}] [1]', '{"type":1,"timestamp":2}', '"text"', '42', 'null', '[1]', '[null]', '[[]]', '["a"]',
    '[{"type":1.0,"timestamp":2}]', '[{"type":1e0,"timestamp":2}]', '[{"type":-0,"timestamp":2}]', '[{"type":7,"timestamp":2}]',
    '[{"type":2.5,"timestamp":2}]', '[{"type":"2","timestamp":2}]', '[{"type":2,"timestamp":"2"}]', '[{"type":2}]', '[{"timestamp":2}]',
    '[{"type":2,"timestamp":1e400}]', '[{"type":2,"timestamp":-1e-400}]', '[{"type":2,"timestamp":null}]',
    '[{"type":9,"type":2,"timestamp":1}]', '[{"type":2,"type":9,"timestamp":1}]', '[{"timestamp":"x","type":2,"timestamp":1}]',
    '[{"\\u0074ype":2,"timestamp":1}]', '[{"type":2,"time\\u0073tamp":1}]', '[{"typ\\"e":2,"timestamp":1}]', '[{"type ":2,"timestamp":1}]',
    '[{"type":01,"timestamp":1}]', '[{"type":1.,"timestamp":1}]', '[{"type":.5,"timestamp":1}]', '[{"type":+1,"timestamp":1}]',
    '[{"type":1,"timestamp":1e}]', '[{"type":1,"timestamp":1e+}]', '[{"type":1,"timestamp":1E-2}]', '[{"type":1,"timestamp":-}]',
    '[{"type":1,"timestamp":1,"data":tru}]', '[{"type":1,"timestamp":1,"data":nul}]', '[{"type":1,"timestamp":1,"data":falsey}]',
    '[{"type":1,"timestamp":1,"data":"\\x"}]', '[{"type":1,"timestamp":1,"data":"\\u12G4"}]', '[{"type":1,"timestamp":1,"data":"\\ud800"}]',
    '[{"type":1,"timestamp":1,"data":"a\tb"}]', '[{"type":1,"timestamp":1,"data":"a\u007fb"}]', '[{"type":1,"timestamp":1,"data":"unterminated}]',
    '[{"type":1,"timestamp":1,"data":{"a":1,}}]', '[{"type":1,"timestamp":1,"data":{"a" 1}}]', '[{"type":1,"timestamp":1,"data":{1:1}}]',
    '[{"type":1,"timestamp":1,"data":[1 2]}]', '[{"type":1,"timestamp":1,"data":[1,]}]', '[{"type":1,"timestamp":1,"data":{}}]',
    '[{"type":1,"timestamp":1}\u000b]', '\ufeff[]', '[{"type":1,"timestamp":1,}]', '[{"type":1 "timestamp":1}]', '[{type:1,timestamp:1}]',
    '[{"type":5,"timestamp":1,"data":{"tag":"tracker.event","payload":{"name":"n"}}},"text",{"bad":',
  ];
  for (const text of cases) assertSame(Buffer.from(text));
});

test('invalid UTF-8 inside a string is accepted, as JSON.parse of the decoded body accepts it', () => {
  assertSame(Buffer.concat([Buffer.from('[{"type":3,"timestamp":1,"data":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]')]));
});

test('a snapshot nested 100,000 deep is scanned without a stack overflow', () => {
  const depth = 100_000;
  const body = Buffer.from(`[{"type":2,"timestamp":1,"data":${'['.repeat(depth)}${']'.repeat(depth)}}]`);
  assert.equal(scanEvents(body).eventCount, 1);
  assert.throws(() => scanEvents(Buffer.from(`[{"type":2,"timestamp":1,"data":${'['.repeat(depth)}${']'.repeat(depth - 1)}}]`)), /not JSON/);
});

test('thousands of mutated batches are judged as JSON.parse judges them', () => {
  // A fixed seed: a failure is the same on every run.
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const interesting = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '1', '-', '.', 'e', 'E', '+', 'u', 'n', 't', 'f', '\n', '\u0001', 'é'];
  const sources = [JSON.stringify(realistic), JSON.stringify(realistic, null, 1), JSON.stringify(realistic.slice(2, 4)), '[{"type":5,"timestamp":1,"data":{"\\u0074ag":"x"}}]'];
  for (let round = 0; round < 20_000; round++) {
    let text = pick(sources);
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (text.length + 1));
      const kind = random();
      if (kind < 0.4) text = text.slice(0, at) + pick(interesting) + text.slice(at + 1);
      else if (kind < 0.7) text = text.slice(0, at) + text.slice(at + 1);
      else if (kind < 0.9) text = text.slice(0, at) + pick(interesting) + text.slice(at);
      else text = text.slice(0, at);
    }
    assertSame(Buffer.from(text));
  }
});
