// The agent's WebSocket to the collector (bundle/assist/protocol.ts), opened
// again with a growing delay when it drops. The login cookie goes with the
// upgrade: a refusal is final and says why. The collector refuses with a
// close code (4401, 4403, 4404) or already at the upgrade with an HTTP status,
// which a browser hides (the socket just closes, 1006): a socket that closes
// without having opened asks `explainFailure` whether it was refused.
import type {AgentFrame, ToAgentFrame} from '../../bundle/assist/protocol';

/** Close codes after which opening the socket again cannot help. */
const REFUSALS: Record<number, string> = {
  4401: 'Your login ended: log in again to watch.',
  4403: 'This login may not watch this session.',
  4404: "This session is not live: the user's page is not connected.",
};
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'refused';

export interface LiveSocket {
  send(frame: AgentFrame): void;
  close(): void;
}

export interface LiveSocketHandlers {
  onFrame(frame: ToAgentFrame): void;
  /** `reason` says why when refused, or when the next attempt comes. */
  onState(state: SocketState, reason?: string): void;
  /** Why the collector would refuse this socket for good, or null when trying again may help. */
  explainFailure(): Promise<string | null>;
}

export function liveSocketUrl(sessionID: string): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/live/${encodeURIComponent(sessionID)}`;
}

export function openLiveSocket(sessionID: string, {onFrame, onState, explainFailure}: LiveSocketHandlers): LiveSocket {
  let socket: WebSocket | null = null;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function retry(reason: string): void {
    onState('reconnecting', `${reason}: trying again in ${Math.round(retryMs / 100) / 10} s.`);
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  }

  function connect(): void {
    const opened = new WebSocket(liveSocketUrl(sessionID));
    let wasOpen = false;
    socket = opened;
    opened.addEventListener('message', (message) => {
      if (typeof message.data !== 'string') return;
      let frame: ToAgentFrame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (typeof frame !== 'object' || frame === null || typeof frame.t !== 'string') return;
      // The collector answered: the next drop starts again from a short wait.
      retryMs = FIRST_RETRY_MS;
      onFrame(frame);
    });
    opened.addEventListener('open', () => {
      wasOpen = true;
      onState('open');
    });
    opened.addEventListener('close', (event) => {
      if (socket !== opened || closed) return;
      socket = null;
      const refusal = REFUSALS[event.code];
      if (refusal) return onState('refused', event.reason || refusal);
      if (wasOpen) return retry(`Connection lost${event.reason ? ` (${event.reason})` : ''}`);
      explainFailure().then(
        (why) => {
          if (closed) return;
          if (why) onState('refused', why);
          else retry('Could not connect');
        },
        () => !closed && retry('Could not connect'),
      );
    });
  }

  onState('connecting');
  connect();
  return {
    send(frame) {
      if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close(1000);
      socket = null;
    },
  };
}
