// A tracker channel's frame, checked against protocol.ts; null when it is not one.
import type {ControlState, LiveEvent, TrackerFrame} from '../../bundle/assist/protocol';
import {isText, readFrameObject} from './readFrame';

const STATES: ReadonlySet<string> = new Set<ControlState>(['asked', 'allowed', 'denied', 'ended']);
const MAX_ID = 128;
const MAX_URL = 8192;

export function parseTrackerFrame(data: string): TrackerFrame | null {
  const frame = readFrameObject(data);
  if (!frame) return null;
  switch (frame.t) {
    case 'hello':
      if (!isText(frame.token, 4096) || !isText(frame.tab, MAX_ID) || !frame.tab || !isText(frame.url, MAX_URL) || typeof frame.visible !== 'boolean') return null;
      if (!Number.isInteger(frame.pageID)) return null;
      return {t: 'hello', token: frame.token, tab: frame.tab, pageID: frame.pageID as number, url: frame.url, visible: frame.visible};
    case 'hb':
      if (!isText(frame.url, MAX_URL) || typeof frame.visible !== 'boolean') return null;
      return {t: 'hb', url: frame.url, visible: frame.visible};
    case 'ev':
      if (!Array.isArray(frame.events) || !frame.events.every(isEvent)) return null;
      return {t: 'ev', events: frame.events as LiveEvent[]};
    case 'control':
      if (typeof frame.state !== 'string' || !STATES.has(frame.state) || !isText(frame.agent, 256)) return null;
      return {t: 'control', state: frame.state as ControlState, agent: frame.agent};
    default:
      return null;
  }
}

const isEvent = (event: unknown): boolean =>
  !!event && typeof event === 'object' && typeof (event as LiveEvent).type === 'number' && typeof (event as LiveEvent).timestamp === 'number';
