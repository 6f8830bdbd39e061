// Writes the file storage's page files (a batch each), after the journal has
// made them durable (createBatchStore.ts). In a worker thread with the
// synchronous calls, it costs the event loop one message per batch instead
// of the four file system requests (open, write, close, rename) and their
// promises, which were a quarter of the event loop's time at 2,000 batches a
// second (bench/NOTES.md, figure 7). Without the worker script (the collector
// run from its sources) the same write is made with the asynchronous calls.
import {Worker} from 'node:worker_threads';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import type {WriteAnswer, WriteJob} from './pageWriterWorker';

export interface PageWriter {
  /** Writes a page file whole (a temporary name renamed into place), without an fsync. */
  write(path: string, bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

interface Waiting {
  resolve(): void;
  reject(error: unknown): void;
}

export function createPageWriter(workerUrl: URL | null): PageWriter {
  if (!workerUrl) {
    return {write: (path, bytes) => writeFileAtomic(path, bytes, 'none'), close: async () => {}};
  }
  const waiting = new Map<number, Waiting>();
  let nextId = 0;
  let closed = false;
  let worker = startWorker();

  function startWorker(): Worker {
    const started = new Worker(workerUrl!, {workerData: {role: 'write-pages'}});
    started.on('message', (answer: WriteAnswer) => {
      const job = waiting.get(answer.id);
      if (!job) return;
      waiting.delete(answer.id);
      if (!waiting.size) started.unref();
      if (answer.ok) job.resolve();
      else job.reject(Object.assign(new Error(answer.message), {code: answer.code}));
    });
    // Writes under way when the thread died are failures: the journal keeps
    // their batches, and the next checkpoint writes them again.
    started.once('exit', (code) => {
      for (const job of waiting.values()) job.reject(new Error(`the page writer thread stopped with code ${code}`));
      waiting.clear();
      if (!closed) worker = startWorker();
    });
    started.on('error', () => {}); // 'exit' follows
    started.unref();
    return started;
  }

  return {
    write(path, bytes) {
      if (closed) return Promise.reject(new Error('the page writer is closed'));
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        if (!waiting.size) worker.ref();
        waiting.set(id, {resolve, reject});
        const job: WriteJob = {id, path, bytes};
        worker.postMessage(job);
      });
    },
    async close() {
      closed = true;
      // Writes under way finish first: close() is called once nothing new comes.
      while (waiting.size) await new Promise((resolve) => setTimeout(resolve, 5));
      await worker.terminate();
    },
  };
}
