// What the relay says about a live session, and the bus that carries it.
//
// Every change of a live session (a tab connects, an agent joins, a frame
// arrives) is published on the bus, and the relay of every collector that
// holds a socket of that session applies the messages in the order the bus
// delivers them (createLiveRelay.ts). Each collector then writes to its own
// sockets only: in one process the bus is a function call
// (createMemoryLiveBus.ts); several collectors sharing PostgreSQL can carry
// the same messages with LISTEN/NOTIFY, one channel per session.
//
// A bus for several processes must also give a collector that subscribes
// late the session as it is (the tabs and agents already there), for
// example as messages replayed from a table before the live ones.
import type {AgentInput, ControlState} from '../../bundle/assist/protocol';

/** The session as the live list shows it, read once when a tab connects. */
export interface LiveSessionInfo {
  sessionID: string;
  projectKey: string;
  userID: string | null;
  userUUID: string;
  metadata: Record<string, string>;
  assistOnly: boolean;
}

export type LiveMessage =
  /** A tracker channel said hello; `channel` names this connection, `tab` the browser tab across its page loads. */
  | {kind: 'tab-open'; channel: string; tab: string; url: string; visible: boolean; since: number; session: LiveSessionInfo}
  | {kind: 'tab-update'; channel: string; url: string; visible: boolean}
  /** The channel's socket closed; its tab may come back (a page load) within the grace period. */
  | {kind: 'tab-close'; channel: string}
  /** The grace period of a closed tab ended without a new channel for it. */
  | {kind: 'tab-gone'; tab: string}
  /** `json` is the frame agents get, made once; `arrivedAt` is when the tracker's frame arrived (server time, ms). */
  | {kind: 'tab-events'; channel: string; json: string; arrivedAt: number}
  | {kind: 'tab-control'; channel: string; state: ControlState; agent: string}
  /** An agent connected; `mayControl` is whether its key has the agent role. */
  | {kind: 'agent-join'; agent: string; name: string; mayControl: boolean}
  | {kind: 'agent-watch'; agent: string; tab: string}
  | {kind: 'agent-control'; agent: string; action: 'request' | 'end'}
  | {kind: 'agent-input'; agent: string; input: AgentInput}
  /** The agent fell behind and has drained: it needs a fresh snapshot of its tab. */
  | {kind: 'agent-resync'; agent: string}
  | {kind: 'agent-leave'; agent: string};

export type LiveListener = (message: LiveMessage) => void;

export interface LiveBus {
  publish(sessionID: string, message: LiveMessage): void;
  /** Messages of this session, in the bus's order, until the returned function is called. */
  subscribe(sessionID: string, listener: LiveListener): () => void;
}
