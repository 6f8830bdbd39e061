// Delivers one page's batches to POST /v1/web/i, in order and at most once
// stored: each batch keeps its (page, seq) across retries and the collector
// acknowledges a batch it already has. One request is in flight at a time,
// except when the page is hidden: then everything that fits the keepalive
// budget goes out at once (the collector orders by seq, so order still holds).
// Where the delivery worker runs (deliveryWorker.ts), gzip and the requests
// happen there, off the page's main thread; what the page keeps doing is
// joining the events' JSON, made once as each was recorded (batcher.ts; a
// retry sends the bytes it already has).
import {batchBody, type EncodedEvents} from './batcher';
import {canCompress, compressBatch} from './compressBatch';
import {postBatch} from './postBatch';
import type {DeliveryWorker} from './deliveryWorker';
import {backoffDelay} from './lib/backoff';
import {retryAfterMs} from './lib/retryAfter';
import {sleep} from './lib/sleep';
import {warn} from './lib/warn';

// Chrome refuses keepalive requests once the bodies in flight pass 64 KiB
// (https://fetch.spec.whatwg.org/#http-network-or-cache-fetch, "inflight keepalive bytes").
// A little margin is left for other scripts of the page.
export const KEEPALIVE_BUDGET = 60 * 1024;

interface Batch {
  seq: number;
  json: string | null; // until compressed, and as the fallback body on hide
  gzip: Uint8Array<ArrayBuffer> | null;
  ready: Promise<void>;
  events: number;
  /** Its first and last events' timestamps. */
  from: number;
  to: number;
  sending: Promise<void> | null;
  /** Its request is the worker's, which dies with the page. */
  inWorker?: boolean;
  /** The worker gzips it as it sends it (one round trip); until then `json` is all there is. */
  gzipInWorker?: boolean;
  noKeepalive?: boolean;
  /** The batcher's events it was cut from on hide (flushOnHide). */
  source?: EncodedEvents;
}

export interface Credentials {
  token: string;
  pageID: number;
}

export type Outcome =
  | {kind: 'stored'}
  | {kind: 'retry'; afterMs: number | null; problem: string}
  | {kind: 'renew'}
  | {kind: 'refused'; problem: string};

export interface Lost {
  events: number;
  batches: number;
  from: number;
  to: number;
  reason: string;
}

export interface TransportOptions {
  ingestPoint: string;
  credentials: Credentials;
  maxBufferBytes: number;
  maxRetryDelayMs: number;
  /** 401: run a fresh handshake; resolves the new credentials, or null if none could be had. */
  renewCredentials(): Promise<Credentials | null>;
  /** Batches were dropped (memory cap reached, or refused by the collector). */
  onLost(lost: Lost): void;
  /** A batch was stored. */
  onDelivered(): void;
  /** Gzip and requests off the main thread, when there is one. */
  worker?: DeliveryWorker | null;
}

export function createTransport(options: TransportOptions) {
  let credentials = options.credentials;
  let nextSeq = 0;
  let outbox: Batch[] = [];
  let pumping = false;
  let failures = 0;
  let keepaliveBytesInFlight = 0;
  let sentBatches = 0;
  let wakeUp: (() => void) | null = null;
  let dropping = false;

  const batchBytes = (batch: Batch) => (batch.gzip ? batch.gzip.byteLength : 0) + (batch.json ? batch.json.length : 0);
  const bufferedBytes = () => outbox.reduce((sum, batch) => sum + batchBytes(batch), 0);

  function makeBatch(events: EncodedEvents, json: string, compress: boolean): Batch {
    const batch: Batch = {
      seq: nextSeq++,
      json,
      gzip: null,
      ready: Promise.resolve(),
      events: events.json.length,
      from: events.timestamps[0],
      to: events.timestamps[events.timestamps.length - 1],
      sending: null,
    };
    if (compress && canCompress) {
      // Sent at once (nothing ahead of it), by a worker: it gzips the batch
      // and sends it in one round trip, instead of one for each.
      if (options.worker?.available() && !outbox.length && !failures) {
        batch.gzipInWorker = true;
        return batch;
      }
      // A worker that fails or goes away hands the job back.
      const inWorker = options.worker?.compress(json);
      batch.ready = (inWorker ? inWorker.catch(() => compressBatch(json)) : compressBatch(json)).then(
        (gzip) => keepGzip(batch, gzip),
        (error) => warn('gzip failed; sending plain JSON', error),
      );
    }
    return batch;
  }

  function keepGzip(batch: Batch, gzip: Uint8Array<ArrayBuffer> | undefined): void {
    batch.gzipInWorker = false;
    // Sent plain already (on hide) or dropped: nothing to keep.
    if (!gzip || batch.json === null || !outbox.includes(batch)) return;
    batch.gzip = gzip;
    batch.json = null;
  }

  // The worker gone while it had the batch's gzip to make: the page makes it.
  async function gzipOnPage(batch: Batch): Promise<void> {
    if (!batch.gzipInWorker || batch.json === null) return;
    await compressBatch(batch.json).then(
      (gzip) => keepGzip(batch, gzip),
      (error) => warn('gzip failed; sending plain JSON', error),
    );
  }

  function requestOf(batch: Batch) {
    const body = batch.gzip ?? batch.json ?? '';
    const headers: Record<string, string> = {
      Authorization: `Bearer ${credentials.token}`,
      'Content-Type': 'application/json',
    };
    if (batch.gzip) headers['Content-Encoding'] = 'gzip';
    const url = `${options.ingestPoint}/v1/web/i?page=${credentials.pageID}&seq=${batch.seq}`;
    return {url, headers, body, size: typeof body === 'string' ? body.length : body.byteLength};
  }

  // Drops what is not being sent, but for `newest`: after a pause the newest
  // batch holds the fresh full snapshot that the replay needs to go on (with
  // anything older kept instead, a snapshot bigger than the cap was dropped on
  // every try, and the replay never recovered).
  function dropUnsent(reason: string, newest: Batch): void {
    const dropped = outbox.filter((batch) => !batch.sending && batch !== newest);
    if (!dropped.length) return;
    outbox = outbox.filter((batch) => batch.sending || batch === newest);
    // onLost enqueues the gap event: it must not be dropped in turn, or a batch
    // in flight that alone passes the cap would make this recurse until the
    // stack overflows (seen with a big full snapshot being retried).
    dropping = true;
    try {
      options.onLost({
        events: dropped.reduce((sum, batch) => sum + batch.events, 0),
        batches: dropped.length,
        from: dropped[0].from,
        to: dropped[dropped.length - 1].to,
        reason,
      });
    } finally {
      dropping = false;
    }
  }

  // `hiding`: the page may be going away, and only the page's own keepalive
  // requests outlive it. Otherwise the worker sends where there is one, and
  // the page sends with keepalive where the budget allows, so that a request
  // under way still arrives if the tab closes.
  async function post(batch: Batch, hiding: boolean): Promise<Outcome> {
    let request = requestOf(batch);
    const inWorker = hiding ? null : options.worker?.post(request.url, request.headers, request.body, !!batch.gzipInWorker);
    batch.inWorker = !!inWorker;
    if (!inWorker && !hiding && batch.gzipInWorker) {
      await gzipOnPage(batch);
      request = requestOf(batch);
    }
    const {url, headers, body, size} = request;
    const keepalive = hiding || (!inWorker && !batch.noKeepalive && size <= KEEPALIVE_BUDGET - keepaliveBytesInFlight);
    if (keepalive) keepaliveBytesInFlight += size;
    try {
      const onPage = async () => {
        await gzipOnPage(batch);
        const again = requestOf(batch);
        return postBatch(again.url, again.headers, again.body, false);
      };
      const answer = await (inWorker
        ? inWorker.then((sent) => {
            keepGzip(batch, sent.gzip);
            return sent.answer;
          }, onPage)
        : postBatch(url, headers, body, keepalive));
      const {status} = answer;
      if (!status) {
        // A refused keepalive (budget taken by the page's own beacons) looks like
        // a network error: the retry goes without keepalive.
        if (keepalive) batch.noKeepalive = true;
        return {kind: 'retry', afterMs: null, problem: answer.text};
      }
      if (status >= 200 && status < 300) return {kind: 'stored'};
      if (status === 401) return {kind: 'renew'};
      const problem = `collector answered ${status}: ${answer.text}`;
      if (status >= 500 || status === 429 || status === 408) return {kind: 'retry', afterMs: retryAfterMs(answer.retryAfter), problem};
      return {kind: 'refused', problem};
    } finally {
      if (keepalive) keepaliveBytesInFlight -= size;
    }
  }

  // Sends one batch and settles its fate; returns how long to wait before the next try (0: go on).
  function send(batch: Batch, hiding: boolean): Promise<number> {
    let delay = 0;
    const attempt: Promise<void> = post(batch, hiding)
      .then(async (outcome) => {
        // Sent twice (on hide, what the worker had under way goes again): the
        // first answer settles it, the collector stored it once.
        if (!outbox.includes(batch)) return;
        if (outcome.kind === 'stored') {
          outbox = outbox.filter((other) => other !== batch);
          failures = 0;
          sentBatches++;
          options.onDelivered();
        } else if (outcome.kind === 'refused') {
          outbox = outbox.filter((other) => other !== batch);
          options.onLost({
            events: batch.events,
            batches: 1,
            from: batch.from,
            to: batch.to,
            reason: outcome.problem,
          });
        } else if (outcome.kind === 'renew') {
          const renewed = await options.renewCredentials();
          if (renewed) moveTo(renewed);
          else delay = backoffDelay(failures++, 1000, options.maxRetryDelayMs);
        } else {
          delay = Math.min(outcome.afterMs ?? backoffDelay(failures, 1000, options.maxRetryDelayMs), 5 * 60_000);
          failures++;
        }
      })
      .finally(() => {
        if (batch.sending === attempt) batch.sending = null;
      });
    batch.sending = attempt;
    return attempt.then(() => delay);
  }

  // A fresh handshake may land in another page (or session): batches not yet
  // stored follow it, numbered anew there.
  function moveTo(next: Credentials): void {
    if (next.pageID !== credentials.pageID) {
      nextSeq = 0;
      for (const batch of outbox) batch.seq = nextSeq++;
    }
    credentials = next;
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (outbox.length) {
        const batch = outbox[0];
        await batch.ready;
        if (batch.sending) {
          await batch.sending;
          continue;
        }
        const delay = await send(batch, false);
        if (delay > 0) {
          await Promise.race([sleep(delay), new Promise<void>((resolve) => (wakeUp = resolve))]);
          wakeUp = null;
        }
      }
    } catch (error) {
      warn('delivery stopped unexpectedly', error);
    } finally {
      pumping = false;
    }
  }

  function enqueue(events: EncodedEvents): void {
    if (!events.json.length) return;
    const batch = makeBatch(events, batchBody(events), true);
    outbox.push(batch);
    // The cap bounds what waits while the collector cannot be reached: what
    // memory holds is the cap plus the newest batch. Batches waiting behind
    // one still being sent, to a collector that answers, are not an outage:
    // counted as one, the fresh full snapshot of a page bigger than the cap,
    // taken once the collector answered again, was dropped as soon as the
    // next batch queued behind it, recording paused again, and a page kept
    // losing events with the collector up (e2e/delivery.spec.ts, the memory
    // cap). A request that hangs fails after its timeout (postBatch.ts), and
    // the cap applies from then on.
    if (!dropping && failures > 0 && bufferedBytes() > options.maxBufferBytes) {
      dropUnsent(`the collector could not be reached and the buffer passed ${options.maxBufferBytes} bytes`, batch);
    }
    void pump();
  }

  // The page is being hidden, maybe for good: no time for compression. Send
  // what fits the keepalive budget now, as plain JSON where not compressed yet,
  // split so that each request fits. Firefox may stop a hide handler at any
  // point (it cancels a closing tab's running script), then run the next hide
  // event's: the events enter the outbox in one push, `release` lets the
  // batcher forget them only then, and a later call finds them there (by
  // `source`) instead of losing them or cutting them again.
  function flushOnHide(events: EncodedEvents, release: () => void): void {
    if (!outbox.some((batch) => batch.source === events)) {
      const parts: Batch[] = [];
      let start = 0;
      let size = 2;
      const closeChunk = (end: number) => {
        if (end > start) {
          const part = {json: events.json.slice(start, end), timestamps: events.timestamps.slice(start, end)};
          parts.push(makeBatch(part, batchBody(part), false));
          parts[parts.length - 1].source = events;
        }
        start = end;
        size = 2;
      };
      events.json.forEach((json, i) => {
        if (size + json.length + 1 > KEEPALIVE_BUDGET) closeChunk(i);
        size += json.length + 1;
      });
      closeChunk(events.json.length);
      outbox.push(...parts);
    }
    release();
    for (const batch of outbox) {
      if (batch.sending && !batch.inWorker) continue;
      if (batchBytes(batch) > KEEPALIVE_BUDGET - keepaliveBytesInFlight) continue;
      void send(batch, true);
    }
    void pump();
  }

  return {
    enqueue,
    flushOnHide,
    /** Resolves when nothing is left to send, or after `timeoutMs`. */
    async drain(timeoutMs: number): Promise<void> {
      wakeUp?.();
      const deadline = Date.now() + timeoutMs;
      while (outbox.length && Date.now() < deadline) {
        void pump();
        await sleep(50);
      }
    },
    /** Retry now instead of waiting out the backoff (the network came back). */
    retryNow(): void {
      wakeUp?.();
    },
    bufferedBytes,
    sentBatches: () => sentBatches,
  };
}

export type Transport = ReturnType<typeof createTransport>;
