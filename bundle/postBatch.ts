// One request of a batch to the collector, and its answer, on whichever thread
// runs it: the page's (transport.ts) or the delivery worker's (worker/index.ts).
// Never rejects: a network failure is an answer with status 0.
export interface Answer {
  status: number;
  /** The collector's error text, or the network error. */
  text: string;
  retryAfter: string | null;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function postBatch(url: string, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>, keepalive: boolean): Promise<Answer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {method: 'POST', headers, body, keepalive, credentials: 'omit', signal: abort.signal});
    // Read every answer to its end: Chrome counts a keepalive request's body
    // against its 64 KiB budget until the response is consumed.
    const text = await response.text().catch(() => '');
    return {status: response.status, text, retryAfter: response.headers.get('Retry-After')};
  } catch (error) {
    return {status: 0, text: String(error), retryAfter: null};
  } finally {
    clearTimeout(timer);
  }
}
