// POST /v1/web/start: asks the collector for a session (new or resumed) and a
// page in it. Network errors and 5xx are retried a bounded number of times;
// a 4xx is final and its error text becomes the failure reason.
import type {SessionGrant} from './types';
import {backoffDelay} from './lib/backoff';
import {sleep} from './lib/sleep';

export interface HandshakeRequest {
  projectKey: string;
  token?: string;
  sessionHash?: string;
  forceNew?: boolean;
  userUUID?: string;
  userID?: string;
  metadata?: Record<string, string>;
  assistOnly?: boolean;
  url: string;
  referrer: string;
  viewport: {width: number; height: number};
  timestamp: number;
  trackerVersion: string;
  /** With a token or hash: continue this page of the resumed session (after a 401). */
  page?: number;
}

export type HandshakeResult = {ok: true; grant: SessionGrant} | {ok: false; reason: string};

const ATTEMPTS = 3;
const ATTEMPT_TIMEOUT_MS = 10_000;

async function errorText(response: Response): Promise<string> {
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') return body.error;
  } catch {
    // Not our collector's JSON: the status alone has to do.
  }
  return response.statusText || 'no error text';
}

function isGrant(value: any): value is SessionGrant {
  return (
    value &&
    typeof value.sessionID === 'string' &&
    typeof value.sessionToken === 'string' &&
    typeof value.sessionHash === 'string' &&
    typeof value.userUUID === 'string' &&
    typeof value.pageID === 'number'
  );
}

export async function requestSession(ingestPoint: string, request: HandshakeRequest): Promise<HandshakeResult> {
  const url = `${ingestPoint}/v1/web/start`;
  let lastProblem = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, 500, 4000));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ATTEMPT_TIMEOUT_MS);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(request),
        signal: abort.signal,
        credentials: 'omit',
      });
      if (response.ok) {
        const grant = await response.json().catch(() => null);
        if (isGrant(grant)) return {ok: true, grant};
        return {ok: false, reason: `collector at ${ingestPoint} answered the handshake with something that is not a session`};
      }
      if (response.status < 500 && response.status !== 429) {
        return {ok: false, reason: `collector refused the session (${response.status}): ${await errorText(response)}`};
      }
      lastProblem = `answered ${response.status}: ${await errorText(response)}`;
    } catch (error) {
      lastProblem = abort.signal.aborted ? `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` : String(error);
    } finally {
      clearTimeout(timer);
    }
  }
  return {ok: false, reason: `collector unreachable at ${url} after ${ATTEMPTS} attempts (${lastProblem})`};
}
