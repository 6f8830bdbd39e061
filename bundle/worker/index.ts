// Entry of dist/tracker-worker.js, the delivery worker (deliveryWorker.ts):
// gzip of a batch, and a batch's request to the collector, off the page's
// main thread. It holds no state: the page's transport decides what is sent,
// when, and what an answer means.
import {canCompress, compressBatch} from '../compressBatch';
import {postBatch} from '../postBatch';
import {WORKER_READY, type Sent} from '../deliveryWorker';

// Inside a worker, `self` talks like the Worker object outside does.
const scope = self as unknown as Worker;

// keepalive stays with the page: only its requests outlive the page.
async function send(url: string, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>, gzip: boolean): Promise<Sent> {
  let compressed: Uint8Array<ArrayBuffer> | undefined;
  if (gzip && canCompress && typeof body === 'string') {
    // Failed: the body goes as plain JSON, which the collector takes as well.
    compressed = await compressBatch(body).catch(() => undefined);
  }
  const answer = await postBatch(url, compressed ? {...headers, 'Content-Encoding': 'gzip'} : headers, compressed ?? body, false);
  // Not stored: the page keeps the gzip for the next try (and for a hide).
  return answer.status >= 200 && answer.status < 300 ? {answer} : {answer, gzip: compressed};
}

scope.onmessage = ({data: {id, json, url, headers, body, gzip}}) => {
  const job: Promise<Uint8Array | Sent> = json === undefined ? send(url, headers, body, gzip) : compressBatch(json);
  job
    .then((result) => {
      const bytes = result instanceof Uint8Array ? result : result.gzip;
      scope.postMessage({id, result}, bytes ? [bytes.buffer] : []);
    })
    // Every job is answered, even one whose answer could not be posted: the
    // page would otherwise wait out its timeout before doing the job itself.
    .catch((error) => scope.postMessage({id, error: String(error)}));
};
scope.postMessage(WORKER_READY);
