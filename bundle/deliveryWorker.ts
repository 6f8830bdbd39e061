// The delivery worker, seen from the page: gzip and the requests to the
// collector run in dist/tracker-worker.js, off the page's main thread (Chromium
// deflates on the thread that feeds CompressionStream, and every request costs
// the thread that makes it a few tasks). A worker must come from the page's own
// origin and never from a blob: URL (the CSP promise), so it is used only when
// the bundle is served from the page's origin, and not when the bundle carries
// a nonce: a nonce means a strict CSP, which would refuse the worker and report
// it. Whatever the worker cannot do (not started yet, failed to load, gone) is
// done on the main thread: a job it drops is done again there.
import type {Answer} from './postBatch';

export const WORKER_FILE = 'tracker-worker.js';
export const WORKER_READY = 'ready';
// Longer than a request's own timeout (postBatch.ts): past it the worker is stuck.
const JOB_TIMEOUT_MS = 40_000;

interface Reply {
  result?: unknown;
  error?: string;
}

/** A request's answer, and the gzip the worker made for it when the batch still has to be sent again. */
export interface Sent {
  answer: Answer;
  gzip?: Uint8Array<ArrayBuffer>;
}

export interface DeliveryWorker {
  /** Whether jobs can be given to it now. */
  available(): boolean;
  /** Each returns null while the worker is not (or no longer) available. */
  compress(json: string): Promise<Uint8Array<ArrayBuffer>> | null;
  /**
   * Sends a batch; with `gzip`, a JSON body is gzipped there first: one round
   * trip to the worker where compressing, then sending, would take two.
   */
  post(url: string, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>, gzip: boolean): Promise<Sent> | null;
}

export function startDeliveryWorker(bundleScript: HTMLScriptElement | null | undefined): DeliveryWorker | null {
  if (!bundleScript?.src || bundleScript.nonce || typeof Worker !== 'function') return null;
  const url = new URL(WORKER_FILE, bundleScript.src);
  if (url.origin !== location.origin) return null;
  let worker: Worker;
  try {
    worker = new Worker(url);
  } catch {
    return null;
  }
  let ready = false;
  let nextId = 0;
  const jobs = new Map<number, (reply: Reply) => void>();
  const stop = (event?: Event) => {
    // A worker that failed to load or threw: the page's console is not ours to fill.
    event?.preventDefault();
    ready = false;
    worker.terminate();
    jobs.forEach((settle) => settle({error: 'the delivery worker stopped'}));
  };
  worker.onmessage = ({data}) => {
    if (data === WORKER_READY) ready = true;
    else jobs.get(data.id)?.(data);
  };
  worker.onerror = stop;
  worker.onmessageerror = stop;

  function ask<T>(message: object): Promise<T> | null {
    if (!ready) return null;
    return new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(stop, JOB_TIMEOUT_MS);
      jobs.set(id, (reply) => {
        clearTimeout(timer);
        jobs.delete(id);
        if (reply.error === undefined) resolve(reply.result as T);
        else reject(new Error(reply.error));
      });
      worker.postMessage({id, ...message});
    });
  }

  return {
    available: () => ready,
    compress: (json) => ask({json}),
    post: (url, headers, body, gzip) => ask({url, headers, body, gzip}),
  };
}
