// fetch and XMLHttpRequest as tracker.network events. The page cannot tell:
// fetch resolves the very Response the browser gave (its body untouched unless
// bodies are opted in, and then only a clone is read, up to the body cap and
// for a few seconds at most, never a stream of events),
// XHR events fire in the same order (the tracker only adds listeners), sync
// XHR still works. Headers and bodies are recorded only for the URLs the site
// allowlisted; Authorization, Cookie and Set-Cookie values never.
import {cut} from '../lib/describeValue';
import {looksSecret, redactAlso, redactText, redactUrl, redactUrlsIn} from '../lib/redactUrl';
import {warn} from '../lib/warn';
import type {Emit} from './types';

export interface NetworkPayload {
  method: string;
  url: string;
  status: number;
  durationMs: number;
  kind: 'fetch' | 'xhr';
  requestBytes?: number;
  responseBytes?: number;
  error?: string;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  requestBody?: string;
  responseBody?: string;
}

export interface NetworkCaptureOptions {
  /** Query parameter names to redact besides those that look secret (token, key, secret, password, auth, session, code…). */
  redactQueryParams?: string[];
  /** Where headers and bodies may be recorded: URL prefixes (absolute) or RegExps. Default: nowhere. */
  recordUrls?: Array<string | RegExp>;
  /** Header names to record for those URLs. Authorization, Cookie and Set-Cookie are never recorded. */
  recordHeaders?: string[];
  /** Record request and response bodies (text, JSON, forms) for those URLs. Default false. */
  recordBodies?: boolean;
  /** Longest body kept (default 10 KiB); a fetch body is read no further. */
  maxBodyBytes?: number;
  /** A last look at each request: return it (changed or not), or null to drop it. */
  sanitize?: (request: NetworkPayload) => NetworkPayload | null | undefined;
}

const NEVER_RECORDED = /^(authorization|proxy-authorization|cookie|set-cookie)$/i;
// A body text longer than this (an XHR response, a request body) is not
// recorded at all: redaction needs the whole text.
const READ_LIMIT = 1024 * 1024;
const TEXT_TYPE = /json|text|xml|form|javascript/i;
// Responses that may never end: their body is never read, not even a clone.
const STREAMING_TYPE = /event-stream|ndjson|jsonl|json-seq|stream\+json|x-mixed-replace|grpc/i;
// A body not read within this (a slow or endless download) is not recorded.
const READ_MS = 3000;

export function captureNetwork(emit: Emit, options: NetworkCaptureOptions, ingestPoint: string): void {
  redactAlso(options.redactQueryParams);
  const maxBody = options.maxBodyBytes ?? 10 * 1024;
  const headerNames = (options.recordHeaders ?? []).map((name) => String(name).toLowerCase());
  const isOwn = (url: string) => url.startsWith(`${ingestPoint}/`);
  const allowlisted = (url: string) =>
    (options.recordUrls ?? []).some((rule) => (typeof rule === 'string' ? url.startsWith(rule) : rule instanceof RegExp && rule.test(url)));

  function pickHeaders(headers: Headers | Iterable<[string, string]>): Record<string, string> | undefined {
    const picked: Record<string, string> = {};
    let any = false;
    for (const [name, value] of headers as Iterable<[string, string]>) {
      const lower = name.toLowerCase();
      if (!headerNames.includes(lower)) continue;
      picked[lower] = NEVER_RECORDED.test(lower) || looksSecret(lower) ? '[redacted]' : cut(value, 1000);
      any = true;
    }
    return any ? picked : undefined;
  }

  const bodyText = (text: string) => (text.length > READ_LIMIT ? `[${text.length} characters, not recorded]` : cut(redactText(text), maxBody));

  function describeBody(body: unknown): string | undefined {
    if (body == null) return undefined;
    if (typeof body === 'string') return bodyText(body);
    if (body instanceof URLSearchParams) return bodyText(body.toString());
    if (typeof FormData === 'function' && body instanceof FormData) return '[FormData]';
    const size = byteSize(body);
    return size === undefined ? '[stream]' : `[${size} bytes]`;
  }

  function report(payload: NetworkPayload, timestamp?: number): void {
    try {
      const kept = options.sanitize ? options.sanitize(payload) : payload;
      if (kept) emit('tracker.network', kept, timestamp);
    } catch (error) {
      warn('captureNetwork.sanitize threw; request not recorded', error);
    }
  }

  function begin(kind: NetworkPayload['kind'], method: string, rawUrl: string) {
    const absolute = new URL(rawUrl, location.href).href;
    if (isOwn(absolute)) return null;
    const url = cut(redactUrl(absolute), 2048);
    const payload: NetworkPayload = {method: method.toUpperCase(), url, status: 0, durationMs: 0, kind};
    return {payload, detail: allowlisted(absolute), started: performance.now()};
  }

  const elapsed = (started: number) => Math.round(performance.now() - started);

  const originalFetch = window.fetch;
  if (typeof originalFetch === 'function') {
    window.fetch = function fetch(this: unknown, ...args: Parameters<typeof window.fetch>) {
      let request: ReturnType<typeof begin> = null;
      let requestBody: Promise<string | undefined> | string | undefined;
      try {
        const [input, init] = args;
        const source = input instanceof Request ? input : null;
        request = begin('fetch', init?.method ?? source?.method ?? 'GET', source ? source.url : String(input));
        if (request) {
          const body = init?.body;
          if (body != null) request.payload.requestBytes = byteSize(body);
          if (request.detail) {
            request.payload.requestHeaders = pickHeaders(new Headers(init?.headers ?? source?.headers));
            // A Request's body is read from a clone taken before fetch consumes it.
            if (options.recordBodies) requestBody = body != null ? describeBody(body) : source?.body ? readCapped(source.clone().body!) : undefined;
          }
        }
      } catch {
        request = null;
      }
      const result = originalFetch.apply(this, args);
      if (!request) return result;
      const {payload, detail, started} = request;
      return result.then(
        (response) => {
          try {
            payload.status = response.status;
            payload.durationMs = elapsed(started);
            const length = Number(response.headers.get('content-length'));
            if (length) payload.responseBytes = length;
            if (!detail) {
              report(payload);
            } else {
              payload.responseHeaders = pickHeaders(response.headers);
              const responseBody = options.recordBodies ? readBody(response) : undefined;
              // The event is the headers' arrival, whenever the bodies are read.
              const at = Date.now();
              void Promise.all([requestBody, responseBody]).then(
                ([sent, received]) => {
                  if (sent !== undefined) payload.requestBody = sent;
                  if (received !== undefined) payload.responseBody = received;
                  report(payload, at);
                },
                () => report(payload, at),
              );
            }
          } catch {}
          return response;
        },
        (error: unknown) => {
          try {
            payload.durationMs = elapsed(started);
            // Chromium's message names a URL with credentials in it.
            payload.error = (error as Error)?.name === 'AbortError' ? 'aborted' : redactUrlsIn(cut(String((error as Error)?.message ?? error), 200));
            report(payload);
          } catch {}
          throw error;
        },
      );
    };
  }

  // A text body from a clone; a stream of events or a binary body is left
  // alone. Async: a clone that throws (a body already used) still reports.
  async function readBody(response: Response): Promise<string | undefined> {
    const type = response.headers.get('content-type') ?? '';
    return response.body && TEXT_TYPE.test(type) && !STREAMING_TYPE.test(type) ? readCapped(response.clone().body!) : undefined;
  }

  // Reads a cloned body up to maxBody bytes, for READ_MS at most, then cancels
  // the clone: a clone read on would keep the response, and its connection,
  // open after the page cancelled its own reader.
  async function readCapped(body: ReadableStream<Uint8Array>): Promise<string | undefined> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), READ_MS)));
    let text = '';
    let bytes = 0;
    try {
      for (;;) {
        const chunk = await Promise.race([reader.read(), late]);
        if (!chunk) return undefined;
        if (chunk.done) return bodyText(text + decoder.decode());
        bytes += chunk.value.byteLength;
        text += decoder.decode(chunk.value, {stream: true});
        // Cut anywhere: redactText redacts a value cut short too.
        if (bytes >= maxBody) return bodyText(text);
      }
    } finally {
      clearTimeout(timer);
      reader.cancel().catch(() => {});
    }
  }

  if (typeof XMLHttpRequest !== 'function') return;
  const xhrProto = XMLHttpRequest.prototype;
  const {open, send, setRequestHeader} = xhrProto;
  const opened = new WeakMap<XMLHttpRequest, {method: string; url: string; headers: [string, string][]}>();

  xhrProto.open = function (this: XMLHttpRequest, ...args: unknown[]) {
    try {
      opened.set(this, {method: String(args[0]), url: String(args[1]), headers: []});
    } catch {}
    return (open as (...args: unknown[]) => void).apply(this, args);
  };

  if (headerNames.length) {
    xhrProto.setRequestHeader = function (this: XMLHttpRequest, name: string, value: string) {
      opened.get(this)?.headers.push([String(name), String(value)]);
      return setRequestHeader.call(this, name, value);
    };
  }

  xhrProto.send = function (this: XMLHttpRequest, ...args: [(Document | XMLHttpRequestBodyInit | null)?]) {
    try {
      const info = opened.get(this);
      const request = info && begin('xhr', info.method, info.url);
      if (request) watchXhr(this, request, info.headers, args[0]);
    } catch {}
    return send.apply(this, args);
  };

  function watchXhr(xhr: XMLHttpRequest, request: NonNullable<ReturnType<typeof begin>>, headers: [string, string][], body: unknown): void {
    const {payload, detail, started} = request;
    if (body != null) payload.requestBytes = byteSize(body);
    if (detail) {
      payload.requestHeaders = pickHeaders(headers);
      if (options.recordBodies) payload.requestBody = describeBody(body);
    }
    const types = ['error', 'abort', 'timeout', 'loadend'];
    const listener = (event: Event) => {
      if (event.type !== 'loadend') {
        payload.error = event.type === 'error' ? 'network error' : event.type === 'abort' ? 'aborted' : 'timed out';
        return;
      }
      for (const type of types) xhr.removeEventListener(type, listener);
      try {
        payload.status = xhr.status;
        payload.durationMs = elapsed(started);
        const length = Number(xhr.getResponseHeader('content-length'));
        if (length) payload.responseBytes = length;
        if (detail && xhr.readyState === 4) {
          const lines = xhr.getAllResponseHeaders().trim().split(/[\r\n]+/);
          payload.responseHeaders = pickHeaders(lines.filter(Boolean).map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as [string, string];
          }));
          if (options.recordBodies && (xhr.responseType === '' || xhr.responseType === 'text') && TEXT_TYPE.test(xhr.getResponseHeader('content-type') ?? '')) {
            payload.responseBody = bodyText(xhr.responseText);
          }
        }
        report(payload);
      } catch {}
    };
    for (const type of types) xhr.addEventListener(type, listener);
  }
}

function byteSize(body: unknown): number | undefined {
  try {
    if (typeof body === 'string' || body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new Blob([body as BlobPart]).size;
    if (body instanceof URLSearchParams) return new Blob([body.toString()]).size;
  } catch {}
  return undefined;
}
