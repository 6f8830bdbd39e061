// Checks a handshake body (POST /v1/web/start) field by field. A refusal
// names the field and what was expected, for the developer reading the
// tracker's failure reason.
import {MAX_METADATA_KEYS} from '../storage/applySessionChange';
import {HttpError} from '../lib/httpError';

export interface StartRequest {
  projectKey: string;
  token?: string;
  sessionHash?: string;
  forceNew: boolean;
  userUUID?: string;
  userID?: string;
  metadata?: Record<string, string>;
  assistOnly: boolean;
  url: string;
  referrer: string;
  viewport?: {width: number; height: number};
  timestamp?: number;
  trackerVersion?: string;
  /** With a token or hash: the page of the resumed session to continue (a renewal after a 401), instead of a new page. */
  page?: number;
}

const MAX_URL = 8192;

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);
const refuse = (message: string) => new HttpError(400, `the handshake is malformed: ${message}`);

export function parseStartRequest(text: string): StartRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw refuse(`the body is not JSON (${(error as Error).message})`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw refuse(`the body must be a JSON object, got ${describe(body)}`);
  const fields = body as Record<string, unknown>;
  // JSON clients often send null for "not given".
  const given = (name: string) => fields[name] !== undefined && fields[name] !== null;

  const string = (name: string, max: number, required = false): string | undefined => {
    if (!given(name)) {
      if (required) throw refuse(`"${name}" is required`);
      return undefined;
    }
    const value = fields[name];
    if (typeof value !== 'string') throw refuse(`"${name}" must be a string, got ${describe(value)}`);
    if (required && !value) throw refuse(`"${name}" must not be empty`);
    if (value.length > max) throw refuse(`"${name}" is longer than ${max} characters`);
    return value;
  };
  const boolean = (name: string): boolean => {
    if (!given(name)) return false;
    if (typeof fields[name] !== 'boolean') throw refuse(`"${name}" must be true or false, got ${describe(fields[name])}`);
    return fields[name] as boolean;
  };

  const request: StartRequest = {
    projectKey: string('projectKey', 128, true)!,
    token: string('token', 4096),
    sessionHash: string('sessionHash', 256),
    forceNew: boolean('forceNew'),
    userUUID: string('userUUID', 1024),
    userID: string('userID', 256),
    assistOnly: boolean('assistOnly'),
    url: string('url', MAX_URL, true)!,
    referrer: string('referrer', MAX_URL) ?? '',
    trackerVersion: string('trackerVersion', 64),
  };

  if (given('metadata')) request.metadata = parseMetadata(fields.metadata);
  if (given('viewport')) {
    const viewport = fields.viewport as Record<string, unknown>;
    const size = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
    if (typeof viewport !== 'object' || Array.isArray(viewport) || !size(viewport.width) || !size(viewport.height)) {
      throw refuse('"viewport" must be {width: number, height: number}');
    }
    request.viewport = {width: viewport.width as number, height: viewport.height as number};
  }
  if (given('timestamp')) {
    if (typeof fields.timestamp !== 'number' || !Number.isFinite(fields.timestamp)) throw refuse(`"timestamp" must be a number (ms), got ${describe(fields.timestamp)}`);
    request.timestamp = fields.timestamp;
  }
  if (given('page')) {
    if (!Number.isSafeInteger(fields.page) || (fields.page as number) < 1) throw refuse('"page" must be a positive integer (the pageID of a previous handshake)');
    request.page = fields.page as number;
  }
  return request;
}

function parseMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse(`"metadata" must be an object of strings, got ${describe(value)}`);
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) throw refuse(`"metadata" has more than ${MAX_METADATA_KEYS} keys`);
  for (const [key, item] of entries) {
    if (typeof item !== 'string') throw refuse(`"metadata.${key}" must be a string, got ${describe(item)}`);
    if (key.length > 128 || item.length > 1024) throw refuse(`"metadata.${key}" is too long (keys up to 128 characters, values up to 1024)`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}
