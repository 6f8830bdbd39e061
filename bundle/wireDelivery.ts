// The delivery wiring: a recording's events go to a batcher, its batches to a
// transport (through the delivery worker when one runs). What the collector's
// answers change is held here: while it cannot be reached, the recording is
// paused (its events are dropped and counted) until a batch is stored again.
import type {InitOptions, RecordedEvent, SessionGrant} from './types';
import {createBatcher, encodeEvents, type Batcher} from './batcher';
import {createTransport, type Credentials, type Lost, type Transport} from './transport';
import {startDeliveryWorker, type DeliveryWorker} from './deliveryWorker';
import type {BufferedEvent} from './errorBuffer';
import type {Emit} from './capture/types';
import {onHidden} from './lib/onHidden';
import {warn} from './lib/warn';

const CUSTOM_EVENT = 5;

type DeliveryOptions = Required<Pick<InitOptions, 'flushIntervalMs' | 'maxBatchEvents' | 'maxBufferBytes' | 'maxRetryDelayMs'>>;

/**
 * Of the session it serves, the wiring needs: whether one is active, to
 * remember its activity (at each delivery, and forced on hide), to renew its
 * credentials (a 401), to record a custom event and to take a full snapshot
 * (the recording resumes with one after a pause).
 */
export function wireDelivery(
  options: DeliveryOptions,
  ingestPoint: string,
  bundleScript: HTMLScriptElement | null | undefined,
  stats: {droppedEvents: number},
  isActive: () => boolean,
  rememberActivity: (force?: boolean) => void,
  renewCredentials: () => Promise<Credentials | null>,
  custom: Emit,
  takeFullSnapshot: () => void,
) {
  // Started with the first recording, kept for the tracker's life; undefined until then.
  let worker: DeliveryWorker | null | undefined;
  let batcher: Batcher | null = null;
  let transport: Transport | null = null;
  // After the memory cap was hit: events are not kept until delivery works again.
  let paused: {since: number; discarded: number} | null = null;

  function onLost(lost: Lost): void {
    stats.droppedEvents += lost.events;
    const gap = {type: CUSTOM_EVENT, data: {tag: 'tracker.gap', payload: lost}, timestamp: Date.now()};
    if (lost.reason.startsWith('the collector could not be reached')) {
      // Incremental events are worthless without the snapshot just dropped:
      // keep none until the collector answers, then take a fresh snapshot.
      const discarded = batcher ? batcher.take().json.length : 0;
      paused = {since: Date.now(), discarded};
      stats.droppedEvents += discarded;
    }
    transport?.enqueue(encodeEvents([gap]));
  }

  function onDelivered(): void {
    rememberActivity();
    if (!paused) return;
    const {since, discarded} = paused;
    paused = null;
    custom('tracker.gap', {
      reason: 'recording paused while the collector could not be reached',
      events: discarded,
      batches: 0,
      from: since,
      to: Date.now(),
    });
    takeFullSnapshot();
  }

  // Activity is remembered last: a storage write is slow, and the handler
  // may be stopped at any point (transport.flushOnHide).
  onHidden(() => {
    try {
      if (!isActive() || !transport || !batcher) return;
      transport.flushOnHide(batcher.peek(), batcher.take);
      rememberActivity(true);
    } catch (error) {
      warn('could not flush on hide', error);
    }
  });

  // The network is back: deliver now rather than at the end of the backoff.
  addEventListener('online', () => transport?.retryNow());

  return {
    createDelivery(session: SessionGrant): void {
      if (worker === undefined) worker = startDeliveryWorker(bundleScript);
      transport = createTransport({
        worker,
        ingestPoint,
        credentials: {token: session.sessionToken, pageID: session.pageID},
        maxBufferBytes: options.maxBufferBytes,
        maxRetryDelayMs: options.maxRetryDelayMs,
        renewCredentials,
        onLost,
        onDelivered,
      });
      const delivery = transport;
      batcher = createBatcher({
        flushIntervalMs: options.flushIntervalMs,
        maxBatchEvents: options.maxBatchEvents,
        onBatch: (events) => delivery.enqueue(events),
      });
    },

    /** Whether a recording's events are being delivered. */
    delivering: () => !!batcher,

    /** A recorded event for the batch; dropped and counted while paused. */
    deliver(event: RecordedEvent, json?: string): void {
      if (paused) {
        paused.discarded++;
        stats.droppedEvents++;
        return;
      }
      batcher!.add(event, json);
    },

    /** A record-on-error buffer, sent once its session is made. */
    sendBuffered(events: BufferedEvent[]): void {
      for (let i = 0; i < events.length; i += options.maxBatchEvents) {
        const slice = events.slice(i, i + options.maxBatchEvents);
        transport!.enqueue({json: slice.map((event) => event.json), timestamps: slice.map((event) => event.timestamp)});
      }
    },

    flush: () => batcher?.flush(),
    bufferedBytes: () => transport?.bufferedBytes() ?? 0,
    sentBatches: () => transport?.sentBatches() ?? 0,

    /** Sends what the batcher holds and lets the transport go: the caller drains it. */
    endDelivery(): Transport | null {
      batcher?.flush();
      batcher = null;
      const delivery = transport;
      transport = null;
      paused = null;
      return delivery;
    },
  };
}
