// A worker thread of createBatchChecker.ts: checks the batches the main
// thread hands over (checkBatch.ts) and answers each with what it found, or
// with the HTTP error it calls for. Built into dist/collector-worker.js.
import {parentPort} from 'node:worker_threads';
import {HttpError} from '../lib/httpError';
import {checkBatch, type BatchToCheck} from './checkBatch';

export interface CheckJob extends BatchToCheck {
  id: number;
}

export type CheckAnswer =
  | {id: number; ok: true; json: Uint8Array; scan: ReturnType<typeof checkBatch>['scan']}
  | {id: number; ok: false; status: number; message: string};

parentPort?.on('message', (job: CheckJob) => {
  let answer: CheckAnswer;
  try {
    const {json, scan} = checkBatch(job);
    answer = {id: job.id, ok: true, json, scan};
  } catch (error) {
    answer = error instanceof HttpError ? {id: job.id, ok: false, status: error.status, message: error.message} : {id: job.id, ok: false, status: 500, message: String((error as Error)?.message ?? error)};
  }
  parentPort!.postMessage(answer);
});
