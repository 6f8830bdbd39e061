// What `GET /api/live` lists: the sessions with a tracker channel connected
// now. One process answers from its relay (createLiveRelay.ts); collectors
// sharing PostgreSQL can answer from a table their relays keep.
import type {LiveSessionInfo} from './liveBus';

export interface LiveTabPresence {
  tabID: string;
  url: string;
  visible: boolean;
  /** Server time the tab's channel connected, ms. */
  since: number;
}

export interface LiveSessionPresence extends LiveSessionInfo {
  /** Names of the agents watching the session now. */
  agents: string[];
  tabs: LiveTabPresence[];
}

export interface LivePresence {
  list(): Promise<LiveSessionPresence[]>;
}
