// A worker thread of createBatchChecker.ts: checks the batches the main
// thread hands over (checkBatch.ts) and answers each with what it found, or
// with the HTTP error it calls for. Started from dist/collector-worker.js
// (collector/ingest/worker.ts).
import type {MessagePort} from 'node:worker_threads';
import {HttpError} from '../lib/httpError';
import {checkBatch, type BatchToCheck} from './checkBatch';

export interface CheckJob extends BatchToCheck {
  id: number;
  /** Send the inflated JSON back (copying 87 KB per batch costs both threads: only when the storage needs it). */
  wantJson: boolean;
}

export type CheckAnswer =
  | {id: number; ok: true; json: Uint8Array | null; jsonBytes: number; scan: ReturnType<typeof checkBatch>['scan']}
  | {id: number; ok: false; status: number; message: string};

export function serveBatchChecks(port: MessagePort): void {
  port.on('message', (job: CheckJob) => port.postMessage(answerJob(job)));
}

function answerJob(job: CheckJob): CheckAnswer {
  let answer: CheckAnswer;
  try {
    const {json, jsonBytes, scan} = checkBatch(job);
    answer = {id: job.id, ok: true, json: job.wantJson || !job.gzip ? json : null, jsonBytes, scan};
  } catch (error) {
    answer = error instanceof HttpError ? {id: job.id, ok: false, status: error.status, message: error.message} : {id: job.id, ok: false, status: 500, message: String((error as Error)?.message ?? error)};
  }
  return answer;
}
