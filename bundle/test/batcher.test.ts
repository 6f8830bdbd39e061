// The batcher turns each event into JSON as it arrives: the batch's body must
// be exactly the JSON of the events as they were recorded.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {batchBody, createBatcher, encodeEvents, type EncodedEvents} from '../batcher';

const events = [
  {type: 4, data: {href: 'https://shop.test/', width: 1280, height: 800}, timestamp: 1000},
  {type: 3, data: {source: 0, adds: [{parentId: 1, nextId: null, node: {type: 2, tagName: 'p', attributes: {}, childNodes: [], id: 7}}], removes: [], texts: [], attributes: []}, timestamp: 1005},
  {type: 5, data: {tag: 'tracker.console', payload: {level: 'log', args: ['"quoted" \u2028 and ü']}}, timestamp: 1010},
];

test('a batch body is the JSON of its events as they were when recorded, with their timestamps', () => {
  const batches: EncodedEvents[] = [];
  const batcher = createBatcher({flushIntervalMs: 60_000, maxBatchEvents: 100, onBatch: (batch) => batches.push(batch)});
  const copies = structuredClone(events);
  for (const event of events) batcher.add(event);
  // Changed after it was recorded: the batch keeps what was recorded.
  (events[2].data.payload as {args: string[]}).args.push('later');
  batcher.flush();
  assert.equal(batches.length, 1);
  assert.equal(batchBody(batches[0]), JSON.stringify(copies));
  assert.deepEqual(JSON.parse(batchBody(batches[0])), copies);
  assert.deepEqual(batches[0].timestamps, [1000, 1005, 1010]);
  assert.equal(batchBody(encodeEvents(copies)), JSON.stringify(copies));
});

test('a full batch and a full snapshot are cut at once, in a task of their own', async () => {
  const batches: EncodedEvents[] = [];
  const batcher = createBatcher({flushIntervalMs: 60_000, maxBatchEvents: 2, onBatch: (batch) => batches.push(batch)});
  batcher.add(events[0]);
  batcher.add(events[1]);
  assert.equal(batches.length, 0, 'not inside the recorder\'s callback');
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(batches.map((batch) => batch.json.length), [2]);
  batcher.add({type: 2, data: {node: {type: 0, childNodes: [], id: 1}, initialOffset: {top: 0, left: 0}}, timestamp: 1020});
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(batches.map((batch) => batch.json.length), [2, 1]);
  assert.equal(batcher.take().json.length, 0);
});
