// The relay between the tabs of a session (tracker channels) and the agents
// watching it (agent channels), over the live bus (liveBus.ts).
//
// The sockets of this collector publish what they say on the bus; every
// message of a session is then applied, in the bus's order, to this
// collector's copy of the session (its tabs, its agents and what each
// watches, who controls it), and the frames it causes are written to the
// sockets this collector holds. The decisions (who gets control, where an
// agent's input goes) depend on that order only, so every collector on the
// bus takes the same ones; side effects of a socket (audit, logs) are made
// by the collector that holds it.
//
// A slow agent never slows anyone else: frames go to its socket only while
// its send buffer is under the bound; past it they are dropped, and once it
// has drained, its tab is asked for a fresh full snapshot (resync).
//
// Over 400 lines on purpose: createLiveRelay is one state machine, the
// sessions' state and the sockets this collector holds, changed only by
// messages applied in the bus's order. Its steps share that state and that
// ordering argument; split into files, each would need the whole state
// handed to it and the argument would have to be read in several places.
import {randomUUID} from 'node:crypto';
import {WebSocket} from 'ws';
import type {AgentFrame, ToAgentFrame, ToTrackerFrame, TrackerFrame} from '../../bundle/assist/protocol';
import type {Principal} from '../access/createAccess';
import type {Logger} from '../ops/createLogger';
import type {LiveFigures, Metrics} from '../ops/createMetrics';
import type {LiveLimits} from './defaultLiveLimits';
import type {LiveBus, LiveMessage, LiveSessionInfo} from './liveBus';
import type {LivePresence, LiveSessionPresence} from './livePresence';

/** Close codes of protocol.ts, and the standard "going away" of a collector that stops. */
export const CLOSE = {goingAway: 1001, unauthenticated: 4401, forbidden: 4403, noSession: 4404, helloTimeout: 4408, overLimit: 4429} as const;

export type AuditLive = (who: Principal, address: string, action: string, fields: {sessionID: string; userID?: string; projectKey?: string; detail?: string}) => Promise<void>;

export interface LiveRelayOptions {
  bus: LiveBus;
  limits: LiveLimits;
  metrics: Metrics;
  logger: Logger;
  audit: AuditLive;
  now: () => number;
}

export interface TrackerHello {
  sessionID: string;
  tab: string;
  url: string;
  visible: boolean;
  session: LiveSessionInfo;
}

export interface AgentJoin {
  sessionID: string;
  who: Principal;
  address: string;
  /** The key may take control (role agent or admin). */
  mayControl: boolean;
  /** What the audit entries of the view name. */
  session: LiveSessionInfo;
}

export interface LiveRelay extends LivePresence {
  /** A tracker channel that said a valid hello; returns its channel id. */
  addTracker(socket: WebSocket, hello: TrackerHello): string;
  trackerFrame(channel: string, frame: Exclude<TrackerFrame, {t: 'hello'}>, arrivedAt: number): void;
  /** The channel's socket closed. */
  removeTracker(channel: string): void;
  addAgent(socket: WebSocket, join: AgentJoin): string;
  agentFrame(agent: string, frame: AgentFrame): void;
  removeAgent(agent: string): void;
  /** Agents watching the session now (the cap per session). */
  agentCount(sessionID: string): number;
  /** Every socket this relay holds (for pings and shutdown). */
  sockets(): Iterable<WebSocket>;
  /** What the live gauges of /metrics show. */
  figures(): LiveFigures;
  close(): void;
}

interface LocalTracker {
  channel: string;
  sessionID: string;
  socket: WebSocket;
  /** What the tab said last: a heartbeat that changes neither is not published. */
  url: string;
  visible: boolean;
}

interface LocalAgent {
  agent: string;
  sessionID: string;
  socket: WebSocket;
  who: Principal;
  address: string;
  session: LiveSessionInfo;
  joinedAt: number;
  /** Frames were dropped: it waits to drain, then gets resynced. */
  behind: boolean;
}

interface TabState {
  tab: string;
  channel: string;
  url: string;
  visible: boolean;
  since: number;
  /** The `agents` frame last sent to the tab, and who was watching then. */
  agentsSent: string;
  watchers: Set<string>;
}

interface AgentState {
  agent: string;
  name: string;
  mayControl: boolean;
  /** A tab id; it may be closed for a moment (a page load). */
  watching: string | null;
}

interface ControlHold {
  agent: string;
  name: string;
  tab: string;
  state: 'asked' | 'allowed';
  grantedAt: number;
}

interface SessionState {
  info: LiveSessionInfo | null;
  tabs: Map<string, TabState>;
  /** Channel id -> tab id, of the channels open now. */
  channels: Map<string, string>;
  agents: Map<string, AgentState>;
  control: ControlHold | null;
  /** This collector's sockets and grace timers of the session: at 0 it unsubscribes. */
  holds: number;
  unsubscribe: () => void;
}

// How often agents that fell behind are checked for having drained, and how far.
const DRAIN_CHECK_MS = 100;
const DRAINED_BYTES = 64 * 1024;

export function createLiveRelay(options: LiveRelayOptions): LiveRelay {
  const {bus, limits, metrics, logger, now} = options;
  const sessions = new Map<string, SessionState>();
  const trackers = new Map<string, LocalTracker>();
  const agents = new Map<string, LocalAgent>();
  const graceTimers = new Set<NodeJS.Timeout>();
  let drainTimer: NodeJS.Timeout | null = null;

  function hold(sessionID: string): SessionState {
    let state = sessions.get(sessionID);
    if (!state) {
      const created: SessionState = {info: null, tabs: new Map(), channels: new Map(), agents: new Map(), control: null, holds: 0, unsubscribe: () => {}};
      sessions.set(sessionID, created);
      created.unsubscribe = bus.subscribe(sessionID, (message) => apply(created, message));
      state = created;
    }
    state.holds++;
    return state;
  }

  function release(sessionID: string): void {
    const state = sessions.get(sessionID);
    if (!state || --state.holds > 0) return;
    state.unsubscribe();
    sessions.delete(sessionID);
  }

  // ---- writing to this collector's sockets

  function toTab(state: SessionState, tab: string, frame: ToTrackerFrame): void {
    const channel = state.tabs.get(tab)?.channel;
    const local = channel === undefined ? undefined : trackers.get(channel);
    if (!local || local.socket.readyState !== WebSocket.OPEN) return;
    // A page that stops reading (a frozen tab) gets no more input than the bound: what is past it is dropped.
    if (frame.t === 'input' && local.socket.bufferedAmount > limits.agentBufferedBytes) return metrics.liveDropped();
    const json = JSON.stringify(frame);
    local.socket.send(json);
    if (frame.t === 'input' || frame.t === 'control') metrics.liveRelayed('to_tracker', Buffer.byteLength(json));
  }

  function toAgent(agent: string, frame: ToAgentFrame | string, arrivedAt?: number): void {
    const local = agents.get(agent);
    if (!local || local.socket.readyState !== WebSocket.OPEN) return;
    if (local.behind || local.socket.bufferedAmount > limits.agentBufferedBytes) {
      fallBehind(local);
      return;
    }
    const json = typeof frame === 'string' ? frame : JSON.stringify(frame);
    if (arrivedAt === undefined) {
      local.socket.send(json);
      return;
    }
    metrics.liveRelayed('to_agent', Buffer.byteLength(json));
    local.socket.send(json, (error) => {
      if (!error) metrics.liveRelayLag(Math.max(0, now() - arrivedAt) / 1000);
    });
  }

  function fallBehind(local: LocalAgent): void {
    metrics.liveDropped();
    if (local.behind) return;
    local.behind = true;
    logger.debug('live_agent_behind', {sessionID: local.sessionID, agent: local.who.name, bufferedBytes: local.socket.bufferedAmount});
    drainTimer ??= setInterval(checkDrained, DRAIN_CHECK_MS);
  }

  function checkDrained(): void {
    let waiting = false;
    for (const local of agents.values()) {
      if (!local.behind) continue;
      if (local.socket.bufferedAmount > DRAINED_BYTES) {
        waiting = true;
        continue;
      }
      local.behind = false;
      bus.publish(local.sessionID, {kind: 'agent-resync', agent: local.agent});
    }
    if (!waiting && drainTimer) {
      clearInterval(drainTimer);
      drainTimer = null;
    }
  }

  const tabsFrame = (state: SessionState, agent: AgentState): ToAgentFrame => ({
    t: 'tabs',
    tabs: [...state.tabs.values()].map(({tab, url, visible, since}) => ({tab, url, visible, since})),
    watching: agent.watching,
  });

  const controlFrame = (state: SessionState): ToAgentFrame => ({t: 'control', state: state.control?.state ?? 'ended', agent: state.control?.name ?? null});

  function toAllAgents(state: SessionState, frame: ToAgentFrame): void {
    const json = JSON.stringify(frame);
    for (const agent of state.agents.keys()) toAgent(agent, json);
  }

  function sendTabs(state: SessionState): void {
    for (const agent of state.agents.values()) toAgent(agent.agent, tabsFrame(state, agent));
  }

  /** The tab an agent watches unless it picks one: the most recently connected visible tab, else the most recent. */
  function defaultTab(state: SessionState): string | null {
    let best: TabState | null = null;
    for (const tab of state.tabs.values()) {
      if (!best || (tab.visible && !best.visible) || (tab.visible === best.visible && tab.since >= best.since)) best = tab;
    }
    return best?.tab ?? null;
  }

  /** Each tab whose set of watchers changed gets `agents`, and `snapshot` when someone began watching it. */
  function syncWatchers(state: SessionState): void {
    for (const tab of state.tabs.values()) {
      const watchers = [...state.agents.values()].filter((agent) => agent.watching === tab.tab);
      const names = [...new Set(watchers.map((agent) => agent.name))].sort();
      const joined = watchers.some((agent) => !tab.watchers.has(agent.agent));
      tab.watchers = new Set(watchers.map((agent) => agent.agent));
      const sent = JSON.stringify(names);
      if (sent !== tab.agentsSent) {
        tab.agentsSent = sent;
        toTab(state, tab.tab, {t: 'agents', agents: names});
      }
      if (joined) toTab(state, tab.tab, {t: 'snapshot'});
    }
  }

  function endControl(state: SessionState, tellTab: boolean, reason?: string): void {
    const control = state.control;
    if (!control) return;
    state.control = null;
    if (tellTab) toTab(state, control.tab, {t: 'control', action: 'end', agent: control.name});
    toAllAgents(state, {t: 'control', state: 'ended', agent: control.name, ...(reason && {reason})});
    const local = agents.get(control.agent);
    if (control.state !== 'allowed' || !local) return;
    const seconds = Math.round((now() - control.grantedAt) / 1000);
    logger.info('live_control', {sessionID: local.sessionID, agent: local.who.name, projectKey: local.session.projectKey, seconds, reason});
    auditLocal(local, 'control_ended', `remote control ended after ${seconds} s${reason ? `: ${reason}` : ''}`);
  }

  function auditLocal(local: LocalAgent, action: string, detail?: string): void {
    const {session} = local;
    options.audit(local.who, local.address, action, {sessionID: session.sessionID, userID: session.userID ?? undefined, projectKey: session.projectKey, detail}).catch((error) => {
      logger.error('audit_failed', {action, sessionID: session.sessionID, error});
    });
  }

  // ---- applying the bus's messages, in order

  function apply(state: SessionState, message: LiveMessage): void {
    switch (message.kind) {
      case 'tab-open': {
        state.info = message.session;
        const replaced = state.tabs.get(message.tab);
        if (replaced) {
          state.channels.delete(replaced.channel);
          trackers.get(replaced.channel)?.socket.close(1000, 'replaced by a newer channel of this tab');
        }
        state.channels.set(message.channel, message.tab);
        state.tabs.set(message.tab, {tab: message.tab, channel: message.channel, url: message.url, visible: message.visible, since: message.since, agentsSent: '[]', watchers: new Set()});
        for (const agent of state.agents.values()) agent.watching ??= defaultTab(state);
        sendTabs(state);
        syncWatchers(state);
        return;
      }
      case 'tab-update': {
        const tab = state.tabs.get(state.channels.get(message.channel) ?? '');
        if (!tab || (tab.url === message.url && tab.visible === message.visible)) return;
        tab.url = message.url;
        tab.visible = message.visible;
        sendTabs(state);
        return;
      }
      case 'tab-close': {
        const tab = state.channels.get(message.channel);
        if (tab === undefined) return;
        state.channels.delete(message.channel);
        state.tabs.delete(tab);
        if (state.control?.tab === tab) endControl(state, false, 'the tab was closed or left the page');
        // Its watchers keep watching: a page load brings the tab back at once.
        sendTabs(state);
        return;
      }
      case 'tab-gone': {
        if (state.tabs.has(message.tab)) return;
        const gone = JSON.stringify({t: 'gone', tab: message.tab} satisfies ToAgentFrame);
        for (const agent of state.agents.values()) {
          if (agent.watching !== message.tab) continue;
          toAgent(agent.agent, gone);
          agent.watching = defaultTab(state);
          toAgent(agent.agent, tabsFrame(state, agent));
        }
        syncWatchers(state);
        return;
      }
      case 'tab-events': {
        const tab = state.tabs.get(state.channels.get(message.channel) ?? '');
        if (!tab) return;
        for (const agent of tab.watchers) toAgent(agent, message.json, message.arrivedAt);
        return;
      }
      case 'tab-control': {
        const tab = state.channels.get(message.channel);
        const control = state.control;
        if (tab === undefined || !control || control.tab !== tab || control.name !== message.agent) return;
        if (message.state === 'allowed' && control.state === 'asked') {
          control.state = 'allowed';
          control.grantedAt = now();
          toAllAgents(state, {t: 'control', state: 'allowed', agent: control.name});
          const local = agents.get(control.agent);
          if (local) {
            metrics.liveControlGranted();
            auditLocal(local, 'control_granted', `the user allowed remote control to ${control.name}`);
          }
        } else if (message.state === 'denied' && control.state === 'asked') {
          state.control = null;
          toAllAgents(state, {t: 'control', state: 'denied', agent: control.name, reason: 'the user denied control'});
        } else if (message.state === 'ended' || message.state === 'denied') {
          endControl(state, false, 'the user ended control');
        }
        return;
      }
      case 'agent-join': {
        const agent: AgentState = {agent: message.agent, name: message.name, mayControl: message.mayControl, watching: defaultTab(state)};
        state.agents.set(message.agent, agent);
        toAgent(agent.agent, tabsFrame(state, agent));
        if (state.control) toAgent(agent.agent, controlFrame(state));
        syncWatchers(state);
        return;
      }
      case 'agent-watch': {
        const agent = state.agents.get(message.agent);
        if (!agent || !state.tabs.has(message.tab)) return;
        if (state.control?.agent === agent.agent && state.control.tab !== message.tab) endControl(state, true, 'the agent switched to another tab');
        if (agent.watching === message.tab) {
          toTab(state, message.tab, {t: 'snapshot'});
        } else {
          agent.watching = message.tab;
          syncWatchers(state);
        }
        toAgent(agent.agent, tabsFrame(state, agent));
        return;
      }
      case 'agent-control': {
        const agent = state.agents.get(message.agent);
        if (!agent) return;
        if (message.action === 'end') {
          if (state.control?.agent === agent.agent) endControl(state, true, `${agent.name} ended control`);
          return;
        }
        const deny = (reason: string) => toAgent(agent.agent, {t: 'control', state: 'denied', agent: agent.name, reason});
        if (!agent.mayControl) return deny(`remote control needs the agent role; the key ${agent.name} may only watch`);
        if (state.control && state.control.agent !== agent.agent) return deny(`${state.control.name} has control of this session now: one agent controls at a time`);
        if (state.control) return toAgent(agent.agent, controlFrame(state));
        if (agent.watching === null || !state.tabs.has(agent.watching)) return deny('no tab of this session is connected now');
        state.control = {agent: agent.agent, name: agent.name, tab: agent.watching, state: 'asked', grantedAt: 0};
        toTab(state, agent.watching, {t: 'control', action: 'request', agent: agent.name});
        toAllAgents(state, {t: 'control', state: 'asked', agent: agent.name});
        return;
      }
      case 'agent-input': {
        const control = state.control;
        if (control?.agent !== message.agent || control.state !== 'allowed') return;
        toTab(state, control.tab, {t: 'input', agent: control.name, input: message.input});
        return;
      }
      case 'agent-resync': {
        const agent = state.agents.get(message.agent);
        if (!agent) return;
        toAgent(agent.agent, tabsFrame(state, agent));
        toAgent(agent.agent, controlFrame(state));
        if (agent.watching !== null && state.tabs.has(agent.watching)) toTab(state, agent.watching, {t: 'snapshot'});
        return;
      }
      case 'agent-leave': {
        if (!state.agents.has(message.agent)) return;
        if (state.control?.agent === message.agent) endControl(state, true, 'the agent left');
        state.agents.delete(message.agent);
        syncWatchers(state);
        return;
      }
    }
  }

  // ---- this collector's sockets

  return {
    addTracker(socket, hello) {
      const channel = randomUUID();
      trackers.set(channel, {channel, sessionID: hello.sessionID, socket, url: hello.url, visible: hello.visible});
      hold(hello.sessionID);
      bus.publish(hello.sessionID, {kind: 'tab-open', channel, tab: hello.tab, url: hello.url, visible: hello.visible, since: now(), session: hello.session});
      return channel;
    },

    trackerFrame(channel, frame, arrivedAt) {
      const local = trackers.get(channel);
      if (!local) return;
      if (frame.t === 'hb') {
        // Most heartbeats only say the tab is there (the socket's silence timer heard it): nothing to tell anyone.
        if (frame.url === local.url && frame.visible === local.visible) return;
        local.url = frame.url;
        local.visible = frame.visible;
        bus.publish(local.sessionID, {kind: 'tab-update', channel, url: frame.url, visible: frame.visible});
      } else if (frame.t === 'control') bus.publish(local.sessionID, {kind: 'tab-control', channel, state: frame.state, agent: frame.agent});
      else if (frame.t === 'ev') {
        const tab = sessions.get(local.sessionID)?.tabs.get(sessions.get(local.sessionID)?.channels.get(channel) ?? '');
        // Made once for every agent; nothing is made while nobody watches.
        if (!tab || !tab.watchers.size) return;
        const json = JSON.stringify({t: 'ev', tab: tab.tab, events: frame.events} satisfies ToAgentFrame);
        bus.publish(local.sessionID, {kind: 'tab-events', channel, json, arrivedAt});
      }
    },

    removeTracker(channel) {
      const local = trackers.get(channel);
      if (!local) return;
      trackers.delete(channel);
      const state = sessions.get(local.sessionID);
      const tab = state?.channels.get(channel);
      bus.publish(local.sessionID, {kind: 'tab-close', channel});
      if (tab === undefined) return release(local.sessionID);
      // The session stays held until the grace ends, so that this collector tells the agents.
      const timer = setTimeout(() => {
        graceTimers.delete(timer);
        bus.publish(local.sessionID, {kind: 'tab-gone', tab});
        release(local.sessionID);
      }, limits.tabGraceMs);
      graceTimers.add(timer);
    },

    addAgent(socket, join) {
      const agent = randomUUID();
      agents.set(agent, {agent, sessionID: join.sessionID, socket, who: join.who, address: join.address, session: join.session, joinedAt: now(), behind: false});
      hold(join.sessionID);
      metrics.liveView();
      bus.publish(join.sessionID, {kind: 'agent-join', agent, name: join.who.name, mayControl: join.mayControl});
      return agent;
    },

    agentFrame(agent, frame) {
      const local = agents.get(agent);
      if (!local) return;
      if (frame.t === 'tab') bus.publish(local.sessionID, {kind: 'agent-watch', agent, tab: frame.tab});
      else if (frame.t === 'control') bus.publish(local.sessionID, {kind: 'agent-control', agent, action: frame.action});
      else if (frame.t === 'input') bus.publish(local.sessionID, {kind: 'agent-input', agent, input: frame.input});
    },

    removeAgent(agent) {
      const local = agents.get(agent);
      if (!local) return;
      bus.publish(local.sessionID, {kind: 'agent-leave', agent});
      agents.delete(agent);
      const seconds = Math.round((now() - local.joinedAt) / 1000);
      logger.info('live_view', {sessionID: local.sessionID, agent: local.who.name, projectKey: local.session.projectKey, seconds});
      auditLocal(local, 'live_view_ended', `watched live for ${seconds} s`);
      release(local.sessionID);
    },

    agentCount: (sessionID) => sessions.get(sessionID)?.agents.size ?? 0,

    *sockets() {
      for (const local of trackers.values()) yield local.socket;
      for (const local of agents.values()) yield local.socket;
    },

    figures() {
      let agentBufferedBytes = 0;
      for (const local of agents.values()) agentBufferedBytes = Math.max(agentBufferedBytes, local.socket.bufferedAmount);
      let live = 0;
      for (const state of sessions.values()) if (state.tabs.size) live++;
      return {sessions: live, tabs: trackers.size, agents: agents.size, agentBufferedBytes};
    },

    async list() {
      const listed: LiveSessionPresence[] = [];
      for (const state of sessions.values()) {
        if (!state.info || !state.tabs.size) continue;
        listed.push({
          ...state.info,
          agents: [...new Set([...state.agents.values()].map((agent) => agent.name))].sort(),
          tabs: [...state.tabs.values()].map(({tab, url, visible, since}) => ({tabID: tab, url, visible, since})),
        });
      }
      return listed;
    },

    close() {
      for (const timer of graceTimers) clearTimeout(timer);
      graceTimers.clear();
      if (drainTimer) clearInterval(drainTimer);
      drainTimer = null;
    },
  };
}

