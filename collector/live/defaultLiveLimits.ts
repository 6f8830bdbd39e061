// The live channels' limits unless told otherwise (CollectorOptions.live).

/** Assist's live channels (live/): timeouts and caps, per collector process. */
export interface LiveLimits {
  /** A tracker channel must send `hello` within this (default 5000 ms; closed 4408). */
  helloTimeoutMs: number;
  /** Sockets are pinged this often and ended when the previous ping got no pong (default 20000 ms). */
  pingIntervalMs: number;
  /** A tracker channel that sends nothing for this long is ended (default 55000 ms; heartbeats come every 25 s). */
  trackerSilenceMs: number;
  /** How long agents wait for a closed tab to come back (a page load) before they are told it is gone (default 3000 ms). */
  tabGraceMs: number;
  /** Frames a tracker or agent channel may send per second, in bursts of as many (default 200; over it: closed 4429). */
  trackerFramesPerSecond: number;
  /** Largest frame from a tracker (default 2 MiB). */
  trackerFrameBytes: number;
  /** Largest frame from an agent (default 64 KiB). */
  agentFrameBytes: number;
  /** Agents watching one session at once (default 20; more: 429 at the upgrade). */
  agentsPerSession: number;
  /** An agent's unsent frames past this are dropped, and it is resynced once it drains (default 4 MiB). */
  agentBufferedBytes: number;
  /**
   * Live channels (tabs and agents) open at once (default 20,000; more: 503 at
   * the upgrade). They do not count against `maxConnections`, which is for
   * requests: a tab holds its channel for as long as it is open.
   */
  maxChannels: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  helloTimeoutMs: 5000,
  pingIntervalMs: 20_000,
  // Heartbeats come every 25 s: two missed ones and a little, so that a tab
  // lost without a close leaves the list within 60 s (SPEC section 8).
  trackerSilenceMs: 55_000,
  // A page load closes the old page's channel before the new page says hello.
  tabGraceMs: 3000,
  trackerFramesPerSecond: 200,
  trackerFrameBytes: 2 * 1024 * 1024,
  agentFrameBytes: 64 * 1024,
  agentsPerSession: 20,
  agentBufferedBytes: 4 * 1024 * 1024,
  // About 15 KB each when idle (bench figure 11: 10,000 in 70 MB).
  maxChannels: 20_000,
};
