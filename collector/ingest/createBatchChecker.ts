// Checking a batch (inflating it, scanning its events: checkBatch.ts) is what
// costs the collector most CPU per request. Worker threads do it beside the
// event loop, which is left to serve HTTP and to store: on two cores, the
// second one checks while the first serves (bench/NOTES.md, figure 7).
// Without a worker file (tests that run the collector from its sources),
// batches are checked on the main thread, by the same code.
import {availableParallelism} from 'node:os';
import {Worker} from 'node:worker_threads';
import {HttpError} from '../lib/httpError';
import type {CheckAnswer, CheckJob} from './batchCheckWorker';
import {checkBatch, type CheckedBatch} from './checkBatch';

export interface BatchChecker {
  /**
   * Resolves with the inflated, scanned batch, or rejects with the HttpError
   * it calls for (400, 413). With `wantJson` false, a gzipped batch's `json`
   * may come back empty (its `jsonBytes` stays right).
   */
  check(received: Buffer, gzip: boolean, wantJson?: boolean): Promise<CheckedBatch>;
  close(): Promise<void>;
}

export interface BatchCheckerOptions {
  maxInflatedBytes: number;
  /** The collector's worker script (dist/collector-worker.js, collector/ingest/worker.ts); null checks on the main thread. */
  workerUrl: URL | null;
  /** Worker threads (default: one per core but one, at most 4). */
  threads?: number;
}

interface Waiting {
  resolve(batch: CheckedBatch): void;
  reject(error: unknown): void;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function createBatchChecker(options: BatchCheckerOptions): BatchChecker {
  const {maxInflatedBytes, workerUrl} = options;
  if (!workerUrl) {
    return {
      check: async (received, gzip) => checkBatch({received, gzip, maxInflatedBytes}),
      close: async () => {},
    };
  }
  const threads = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  let nextId = 0;
  let closed = false;

  function startThread(): Thread {
    const thread: Thread = {worker: new Worker(workerUrl!, {workerData: {role: 'check-batches'}}), waiting: new Map()};
    thread.worker.on('message', (answer: CheckAnswer) => {
      const waiting = thread.waiting.get(answer.id);
      if (!waiting) return;
      thread.waiting.delete(answer.id);
      if (!thread.waiting.size) thread.worker.unref();
      if (answer.ok) waiting.resolve({json: answer.json ? asBuffer(answer.json) : Buffer.alloc(0), jsonBytes: answer.jsonBytes, scan: answer.scan});
      // A bug in the checker is a 500 the server logs, not a refusal of the batch.
      else waiting.reject(answer.status === 500 ? new Error(`checking the batch failed: ${answer.message}`) : new HttpError(answer.status, answer.message));
    });
    // A thread that dies takes its batches with it: they are answered 503 (the
    // tracker sends them again) and a new thread takes its place.
    thread.worker.once('exit', (code) => {
      for (const waiting of thread.waiting.values()) {
        waiting.reject(new HttpError(503, `the collector could not check this batch (its checker thread stopped with code ${code}): try again`, {'Retry-After': '1'}));
      }
      thread.waiting.clear();
      const at = pool.indexOf(thread);
      if (!closed && at >= 0) pool[at] = startThread();
    });
    thread.worker.on('error', () => {}); // 'exit' follows
    // An idle thread does not keep the process alive; one with batches to check does.
    thread.worker.unref();
    return thread;
  }

  const pool: Thread[] = Array.from({length: threads}, startThread);

  return {
    check(received, gzip, wantJson = true) {
      if (closed) return Promise.reject(new HttpError(503, 'the collector is shutting down: try again', {'Retry-After': '1'}));
      // The least busy thread.
      const thread = pool.reduce((best, candidate) => (candidate.waiting.size < best.waiting.size ? candidate : best));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (!thread.waiting.size) thread.worker.ref();
        thread.waiting.set(id, {resolve, reject});
        const job: CheckJob = {id, received, gzip, maxInflatedBytes, wantJson};
        thread.worker.postMessage(job);
      });
    },
    async close() {
      closed = true;
      await Promise.all(pool.map((thread) => thread.worker.terminate()));
    },
    // For the tests: the threads, to stop one as a crash would.
    threadsForTests: () => pool.map((thread) => thread.worker),
  } as BatchChecker;
}
