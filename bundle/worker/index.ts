// Entry of dist/tracker-worker.js, the delivery worker (deliveryWorker.ts):
// gzip of a batch, and a batch's request to the collector, off the page's
// main thread. It holds no state: the page's transport decides what is sent,
// when, and what an answer means.
import {compressBatch} from '../compressBatch';
import {postBatch} from '../postBatch';
import {WORKER_READY} from '../deliveryWorker';

// Inside a worker, `self` talks like the Worker object outside does.
const scope = self as unknown as Worker;

scope.onmessage = ({data: {id, json, url, headers, body}}) => {
  // keepalive stays with the page: only its requests outlive the page.
  const job: Promise<unknown> = json === undefined ? postBatch(url, headers, body, false) : compressBatch(json);
  job.then(
    (result) => scope.postMessage({id, result}, result instanceof Uint8Array ? [result.buffer] : []),
    (error) => scope.postMessage({id, error: String(error)}),
  );
};
scope.postMessage(WORKER_READY);
