// Figure 3's breakdown: raw rrweb (bundle/recorder.ts, the tracker's options)
// keeps what it records, and each step the tracker takes with those events is
// run on demand, alone, with the tracker's own modules, so that the harness can
// weigh each one's main-thread time (bench/figures/measureRecordingOverhead.mjs).
import {startRecording} from '../../bundle/recorder';
import {batchBody, createBatcher, encodeEvents, type EncodedEvents} from '../../bundle/batcher';
import {compressBatch} from '../../bundle/compressBatch';
import {postBatch} from '../../bundle/postBatch';
import {startDeliveryWorker, type DeliveryWorker} from '../../bundle/deliveryWorker';
import type {RecordedEvent} from '../../bundle/types';

let events: RecordedEvent[] = [];
let recording = false;
let batch: RecordedEvent[] = [];
let encoded: EncodedEvents = {json: [], timestamps: []};
let json = '';
let gzip = new Uint8Array();
let worker: DeliveryWorker | null = null;
const headers = {Authorization: 'Bearer bench', 'Content-Type': 'application/json', 'Content-Encoding': 'gzip'};

const deliverySteps = {
  /** Records from now on; `workerUrl`: where the bundle would be (the worker file is beside it). */
  start(bundleUrl: string): boolean {
    worker = startDeliveryWorker({src: bundleUrl, nonce: ''} as HTMLScriptElement);
    recording = !!startRecording({}, (event) => recording && events.push(event));
    return recording && !!worker;
  },
  /** The workload's events only: what came before is the full snapshot, sent at start. */
  clear(): void {
    events = [];
  },
  stopKeeping(): {events: number; json: number; gzip: number} {
    recording = false;
    batch = events;
    encoded = encodeEvents(batch);
    json = batchBody(encoded);
    return {events: batch.length, json: json.length, gzip: 0};
  },
  /** What createTracker's record() and the batcher do with each event (its JSON, made as it is added), and the cut. */
  batching(): void {
    const batcher = createBatcher({flushIntervalMs: 5000, maxBatchEvents: 500, onBatch: () => {}});
    for (const event of batch) batcher.add(event);
    batcher.take();
  },
  /** The batch's body: the events' JSON joined. */
  serialization(): void {
    json = batchBody(encoded);
  },
  async compression(): Promise<number> {
    gzip = await compressBatch(json);
    return gzip.byteLength;
  },
  send(url: string): Promise<unknown> {
    return postBatch(url, headers, gzip, false);
  },
  /** Both jobs handed to the delivery worker in one round trip, as the tracker does: the page's share is the messages. */
  async inWorker(url: string): Promise<void> {
    const {'Content-Encoding': _gzipped, ...plain} = headers;
    await worker!.post(url, plain, json, true)!;
  },
  ready: () => !!worker?.available(),
};

(window as unknown as {deliverySteps: typeof deliverySteps}).deliverySteps = deliverySteps;
