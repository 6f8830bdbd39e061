// The live channels' limits unless told otherwise (CollectorOptions.live).
import type {LiveLimits} from '../types';

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
