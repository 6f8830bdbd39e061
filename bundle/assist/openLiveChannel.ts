// Assist's live channel (SPEC section 8), the part of Assist in the main
// bundle: one WebSocket per tab to the collector (assist/protocol.ts). While
// no agent watches it carries a heartbeat and nothing else; what watching and
// control need is in tracker-assist.js, loaded when the first agent joins.
// Every byte here is paid by every page with Assist on: keep it small.
import type {ToTrackerFrame, TrackerFrame} from './protocol';
import {backoffDelay} from '../lib/backoff';
import {redactUrl} from '../lib/redactUrl';

export interface LiveChannel {
  /** Sent only while connected; a frame that finds the channel down is dropped. A string is a frame's JSON, sent as it is. */
  send(frame: TrackerFrame | string): void;
  /** Connect anew: hello() gives the token of a new handshake. */
  reconnect(): void;
  close(): void;
}

export function openLiveChannel(
  ingestPoint: string,
  hello: () => {token: string; tab: string; pageID: number},
  onFrame: (frame: ToTrackerFrame) => void,
  // After a 4401 (the token expired or was revoked): a new handshake calls reconnect().
  onUnauthorized: () => unknown,
): LiveChannel {
  let socket: WebSocket | null;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout>;
  let lastBeat: string;
  let sinceBeat = 0;
  const state = () => ({url: redactUrl(location.href), visible: !document.hidden});
  // A string is a frame already serialized (events, from their batch's JSON).
  const send = (frame: object | string) => socket?.readyState == 1 && socket.send(typeof frame == 'string' ? frame : JSON.stringify(frame));
  // Every second: a heartbeat every 25 s, and as soon as the URL (pushState
  // cannot be seen without patching it) or the visibility changes. Each
  // heartbeat costs the collector a frame: at 25 s, 10,000 idle tabs stay
  // within 5 % of a core (bench figure 11).
  const beat = () => {
    const frame = {t: 'hb', ...state()};
    if (lastBeat != (lastBeat = JSON.stringify(frame)) || sinceBeat++ > 24) {
      sinceBeat = 0;
      send(frame);
    }
  };
  const close = () => {
    clearTimeout(retry);
    socket?.close();
    socket = null;
  };
  // No console warning when it cannot connect: the browser reports a failed
  // WebSocket itself, and recording goes on as before. Retries back off to a
  // minute, as long as the session lasts.
  const connect = () => {
    close();
    try {
      const ws = (socket = new WebSocket(`${ingestPoint.replace(/^http/, 'ws')}/v1/web/live`));
      ws.onopen = () => {
        attempt = 0;
        send({t: 'hello', ...hello(), ...state()});
      };
      ws.onmessage = ({data}) => onFrame(JSON.parse(data));
      ws.onclose = ({code}) => {
        if (socket == ws) retry = setTimeout(code == 4401 ? onUnauthorized : connect, backoffDelay(attempt++, 1000, 60_000));
      };
    } catch {
      // A URL the browser refuses outright (a blocked port): no channel, nothing else changes.
    }
  };
  connect();
  const ticker = setInterval(beat, 1000);
  addEventListener('visibilitychange', beat);
  return {
    send,
    reconnect: connect,
    close() {
      clearInterval(ticker);
      close();
    },
  };
}
