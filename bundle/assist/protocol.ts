// Assist's wire protocol (SPEC section 8): JSON text frames over two
// WebSockets, both ending at the collector, which relays between them.
//
//   tracker (a tab of the user's page)  <->  collector  <->  agent (the viewer's live view)
//
// Tracker channel: `${ingestPoint}/v1/web/live` (ws: or wss: as the ingest
// point is http: or https:). The browser's Origin is checked against the
// session's project like CORS; the first frame must be `hello`, with the
// session token, within 5 s (else close 4408); a token that does not check
// out closes with 4401. A channel is
// bound to its own session: it never receives another session's agents or
// input. One channel per tab.
//
// Agent channel: `/api/live/<sessionID>` on the collector, same origin as
// the viewer: the login cookie (or `Authorization: Bearer <key>` from an API
// client) and the Origin are checked at the upgrade, with the read side's
// rules (collector/access/): watching needs `viewer`, control `agent`.
//
// Close codes: 4401 not authenticated, 4403 not allowed, 4404 no such
// session, 4408 hello not sent in time, 4429 over a limit. An agent channel
// refused at its upgrade gets the HTTP status instead (401, 403, 404, 429),
// which a browser only sees as a socket closed before it opened.

/** rrweb events as recorded, already redacted and masked by the page. */
export type LiveEvent = {type: number; timestamp: number; data?: unknown; [key: string]: unknown};

export type ControlState = 'asked' | 'allowed' | 'denied' | 'ended';

/** What an agent does in the user's page while in control. Nodes by rrweb id; coordinates in the page's viewport as a fallback. */
export type AgentInput =
  | {kind: 'pointer'; x: number; y: number}
  | {kind: 'click'; id?: number; x: number; y: number; button?: number}
  | {kind: 'type'; id: number; text: string}
  | {kind: 'key'; id?: number; key: string; code?: string}
  | {kind: 'scroll'; id?: number; x: number; y: number};

// ---- tracker -> collector
export type TrackerFrame =
  /** First frame. `tab` is stable across the tab's page loads (sessionStorage). */
  | {t: 'hello'; token: string; tab: string; pageID: number; url: string; visible: boolean}
  /** Every 25 s, and at once when visibility or the URL changes. */
  | {t: 'hb'; url: string; visible: boolean}
  /** Recorded events, only while an agent watches; the first after `snapshot` begins with a full snapshot. */
  | {t: 'ev'; events: LiveEvent[]}
  | {t: 'control'; state: ControlState; agent: string};

// ---- collector -> tracker
export type ToTrackerFrame =
  /** The agents watching this tab now (sent on every change). None: stop streaming. */
  | {t: 'agents'; agents: string[]}
  /** Take a fresh full snapshot: an agent joined, or fell behind and was resynced. */
  | {t: 'snapshot'}
  /** An agent asks for control: show the consent dialog (or, with `confirmView`, an agent asks to watch). */
  | {t: 'control'; action: 'request' | 'end'; agent: string}
  | {t: 'input'; agent: string; input: AgentInput};

// ---- agent -> collector
export type AgentFrame =
  /** Watch this tab (default: the tab seen last). */
  | {t: 'tab'; tab: string}
  | {t: 'control'; action: 'request' | 'end'}
  | {t: 'input'; input: AgentInput};

// ---- collector -> agent
export interface LiveTab {
  tab: string;
  url: string;
  visible: boolean;
  /** Server time the tab's channel connected, ms. */
  since: number;
}
export type ToAgentFrame =
  | {t: 'tabs'; tabs: LiveTab[]; watching: string | null}
  | {t: 'ev'; tab: string; events: LiveEvent[]}
  | {t: 'control'; state: ControlState; agent: string | null; reason?: string}
  /** The user's page ended (the tab closed or the session's last channel left). */
  | {t: 'gone'; tab: string};
