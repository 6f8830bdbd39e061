// Checks a batch body: a JSON array of rrweb events, each with an integer
// `type` from 0 to 6 (rrweb's EventType, DomContentLoaded … Plugin) and a
// finite `timestamp`. An empty array is accepted (and nothing is stored):
// a tracker that flushed nothing has done nothing wrong.
import {HttpError} from './lib/httpError';
import type {RecordedEvent} from './types';

export function parseEvents(body: Buffer): RecordedEvent[] {
  let events: unknown;
  try {
    events = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `the batch is not JSON (${(error as Error).message}); send a JSON array of rrweb events`);
  }
  if (!Array.isArray(events)) throw new HttpError(400, 'the batch must be a JSON array of rrweb events');
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      throw new HttpError(400, `event ${i} of the batch is not an object`);
    }
    if (!Number.isInteger(event.type) || event.type < 0 || event.type > 6) {
      throw new HttpError(400, `event ${i} of the batch has no valid "type" (an integer from 0 to 6)`);
    }
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
      throw new HttpError(400, `event ${i} of the batch has no valid "timestamp" (a number, ms)`);
    }
  }
  return events as RecordedEvent[];
}
