// What a stored batch changes in its session: the tracker's custom events
// (rrweb type 5 with a `tracker.*` tag) carry identity, metadata, web vitals
// and what went wrong (errors, console errors, failed requests, frustration
// signals, a record-on-error trigger); rrweb Meta
// events and navigations carry the URLs visited; every event widens the
// session's time range. Within a batch (and from batch to batch) the later
// one wins.
import {MAX_EVENT_NAME_LENGTH, MAX_URL_LENGTH} from '../storage/applySessionChange';
import type {SessionChange} from '../storage/storage';
import type {RecordedEvent} from '../storage/types';

const META = 4;
const CUSTOM = 5;
const VITAL_NAME = /^[A-Za-z0-9_-]{1,32}$/;
const CONSOLE_ERROR_LEVELS = new Set(['error', 'assert']);

export function summarizeEvents(events: RecordedEvent[]): SessionChange {
  const change: SessionChange = {customEvents: 0, errors: 0, consoleErrors: 0, failedRequests: 0};
  const urls = new Set<string>();
  const eventNames = new Set<string>();
  for (const event of events) {
    if (change.firstEventAt === undefined || event.timestamp < change.firstEventAt) change.firstEventAt = event.timestamp;
    if (change.lastEventAt === undefined || event.timestamp > change.lastEventAt) change.lastEventAt = event.timestamp;
    if (event.type === META) {
      const href = (event.data as {href?: unknown} | undefined)?.href;
      if (typeof href === 'string' && href) urls.add(href.slice(0, MAX_URL_LENGTH));
      continue;
    }
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
      case 'tracker.error':
        change.errors!++;
        break;
      case 'tracker.console':
        if (CONSOLE_ERROR_LEVELS.has(payload.level)) change.consoleErrors!++;
        break;
      case 'tracker.network':
        // Status 0 with `error` is a request that never got an answer (offline, aborted, CORS).
        if ((typeof payload.status === 'number' && payload.status >= 400) || (payload.error !== undefined && payload.error !== null && payload.error !== false)) {
          change.failedRequests!++;
        }
        break;
      case 'tracker.rageclick':
        change.rageClicks = (change.rageClicks ?? 0) + 1;
        break;
      case 'tracker.deadclick':
        change.deadClicks = (change.deadClicks ?? 0) + 1;
        break;
      case 'tracker.errorclick':
        change.errorClicks = (change.errorClicks ?? 0) + 1;
        break;
      // A record-on-error session's buffer was sent (bundle/sessionLifecycle.ts trigger()).
      case 'tracker.trigger':
        change.trigger = 'error';
        break;
      case 'tracker.navigation':
        if (typeof payload.url === 'string' && payload.url) urls.add(payload.url.slice(0, MAX_URL_LENGTH));
        break;
      case 'tracker.event':
        if (typeof payload.name === 'string' && payload.name) eventNames.add(payload.name.slice(0, MAX_EVENT_NAME_LENGTH));
        break;
    }
  }
  if (urls.size) change.urls = [...urls];
  if (eventNames.size) change.eventNames = [...eventNames];
  return change;
}

const isScalar = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
