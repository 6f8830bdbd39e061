// What a stored batch changes in its session: the tracker's custom events
// (rrweb type 5 with a `tracker.*` tag) carry identity, metadata and web
// vitals; every event widens the session's time range. Within a batch (and
// from batch to batch) the later one wins.
import type {SessionChange} from './storage';
import type {RecordedEvent} from './types';

const CUSTOM = 5;
const VITAL_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export function summarizeEvents(events: RecordedEvent[]): SessionChange {
  const change: SessionChange = {customEvents: 0};
  for (const event of events) {
    if (change.firstEventAt === undefined || event.timestamp < change.firstEventAt) change.firstEventAt = event.timestamp;
    if (change.lastEventAt === undefined || event.timestamp > change.lastEventAt) change.lastEventAt = event.timestamp;
    if (event.type !== CUSTOM) continue;
    change.customEvents!++;
    const data = event.data as {tag?: unknown; payload?: any} | undefined;
    const payload = data?.payload;
    if (typeof payload !== 'object' || payload === null) continue;
    switch (data!.tag) {
      case 'tracker.identify':
        if (typeof payload.userID === 'string' && payload.userID.length <= 256) change.userID = payload.userID;
        break;
      case 'tracker.metadata':
        if (typeof payload.key === 'string' && payload.key.length <= 128 && isScalar(payload.value) && String(payload.value).length <= 1024) {
          (change.metadata ??= {})[payload.key] = String(payload.value);
        }
        break;
      case 'tracker.vital':
        if (typeof payload.name === 'string' && VITAL_NAME.test(payload.name) && Number.isFinite(payload.value) && typeof payload.rating === 'string') {
          (change.vitals ??= {})[payload.name] = {value: payload.value, rating: payload.rating.slice(0, 32)};
        }
        break;
    }
  }
  return change;
}

const isScalar = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
