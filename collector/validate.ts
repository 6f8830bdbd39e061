// Shape checks for what browsers send. Each failure names the field, so the
// 400 answer says what to fix.
import {HttpError} from './http';

export interface StartRequest {
  projectKey: string;
  token?: string;
  sessionHash?: string;
  forceNew?: boolean;
  userUUID?: string;
  userID?: string;
  metadata?: Record<string, string>;
  assistOnly?: boolean;
  url: string;
  referrer?: string;
  viewport?: {width: number; height: number};
  timestamp?: number;
  trackerVersion?: string;
  page?: number;
}

const bad = (message: string) => new HttpError(400, message);

function optionalString(body: Record<string, unknown>, field: string, max: number): void {
  const value = body[field];
  if (value === undefined || value === null) {
    delete body[field];
    return;
  }
  if (typeof value !== 'string') throw bad(`${field} must be a string`);
  if (value.length > max) throw bad(`${field} is longer than ${max} characters`);
}

function optionalBoolean(body: Record<string, unknown>, field: string): void {
  if (body[field] !== undefined && typeof body[field] !== 'boolean') throw bad(`${field} must be true or false`);
}

export function validateStartRequest(value: unknown): StartRequest {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('the body must be a JSON object');
  const body = value as Record<string, unknown>;
  if (typeof body.projectKey !== 'string' || !body.projectKey) throw bad('projectKey is required (a non-empty string)');
  if (body.projectKey.length > 128) throw bad('projectKey is longer than 128 characters');
  if (typeof body.url !== 'string' || !body.url) throw bad('url is required (the page URL)');
  if (body.url.length > 8192) throw bad('url is longer than 8192 characters');
  optionalString(body, 'token', 4096);
  optionalString(body, 'sessionHash', 256);
  optionalString(body, 'userUUID', 64);
  optionalString(body, 'userID', 1024);
  optionalString(body, 'referrer', 8192);
  optionalString(body, 'trackerVersion', 64);
  optionalBoolean(body, 'forceNew');
  optionalBoolean(body, 'assistOnly');
  if (body.metadata !== undefined) {
    const metadata = body.metadata;
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) throw bad('metadata must be an object of strings');
    const entries = Object.entries(metadata);
    if (entries.length > 100) throw bad('metadata has more than 100 keys');
    for (const [key, entry] of entries) {
      if (typeof entry !== 'string') throw bad(`metadata.${key} must be a string`);
      if (key.length > 256 || entry.length > 4096) throw bad(`metadata.${key} is too long`);
    }
  }
  if (body.viewport !== undefined) {
    const viewport = body.viewport as Record<string, unknown>;
    if (!viewport || typeof viewport.width !== 'number' || typeof viewport.height !== 'number') {
      throw bad('viewport must be {width: number, height: number}');
    }
  }
  if (body.timestamp !== undefined && !Number.isFinite(body.timestamp)) throw bad('timestamp must be a number (ms)');
  if (body.page !== undefined && !(Number.isInteger(body.page) && (body.page as number) > 0)) throw bad('page must be a positive integer');
  return body as unknown as StartRequest;
}

export interface RrwebEvent {
  type: number;
  timestamp: number;
  data?: any;
}

/** An array of rrweb events: objects with an integer type 0..6 and a numeric timestamp. */
export function validateEvents(value: unknown): RrwebEvent[] {
  if (!Array.isArray(value)) throw bad('the body must be a JSON array of rrweb events');
  for (let i = 0; i < value.length; i++) {
    const event = value[i];
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw bad(`event ${i} is not an object`);
    if (!Number.isInteger(event.type) || event.type < 0 || event.type > 6) throw bad(`event ${i} has no valid rrweb type (0..6)`);
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) throw bad(`event ${i} has no numeric timestamp`);
  }
  return value as RrwebEvent[];
}
