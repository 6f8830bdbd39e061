// A session as it happens (#/live/<sessionID>): the agent's socket to the
// collector, the watched tab's page drawn by the live Replayer, the user's
// tabs to switch between, the console, network and errors panel filling as
// events come, and remote control for agents. Tab URLs and everything in the
// events come from the user's page: text only (el), never a link.
import type {AgentInput, ControlState, LiveEvent, LiveTab, ToAgentFrame} from '../../bundle/assist/protocol';
import {api, ApiError, NeedsLogin} from './api';
import {createDevtoolsPanel} from './devtoolsPanel';
import {el} from './el';
import {createLiveReplayer} from './liveReplayer';
import type {User} from './login';
import {openLiveSocket, type SocketState} from './openLiveSocket';
import {createRemoteControl} from './remoteControl';
import {CUSTOM, META, type CustomEvent} from './types';

/** The panel keeps the latest rows only: a live session can log for hours. */
const MAX_PANEL_ROWS = 2000;
const PANEL_REFRESH_MS = 200;

const canControl = (user: User) => user.role === 'agent' || user.role === 'admin';

export function showLiveSession(view: HTMLElement, sessionID: string, user: User): () => void {
  document.body.dataset.view = 'live';
  document.body.dataset.live = 'connecting';
  const status = el('p', {class: 'live-status', id: 'live-status', role: 'status'}, 'Connecting…');
  const tabBar = el('div', {class: 'live-tab-bar', id: 'live-tabs', role: 'group', 'aria-label': "The user's tabs"});
  const urlBar = el('div', {class: 'url', id: 'live-url'});
  const stage = el('div', {class: 'live-stage', id: 'live-stage'});
  const layer = el('div', {class: 'control-layer', id: 'control-layer', 'aria-label': "The user's page: your clicks and keys go to it while you are in control"});
  const frame = el('div', {class: 'live-frame'}, stage, layer);
  const gone = el('p', {class: 'live-gone', id: 'live-gone', hidden: ''}, "The user's page is gone: the tab was closed or the user left.");
  const controlState = el('span', {class: 'control-state', id: 'control-state'});
  const requestControl = el('button', {type: 'button', id: 'request-control'}, 'Request control');
  const endControl = el('button', {type: 'button', class: 'secondary', id: 'end-control', hidden: ''}, 'End control');
  const controls = el('div', {class: 'control-bar'}, controlState);
  if (canControl(user)) controls.prepend(requestControl, endControl);
  const panel = createDevtoolsPanel(() => {});
  view.replaceChildren(
    el('h2', {}, 'Live · ', el('span', {id: 'live-session'}, sessionID), ' ', el('a', {href: '#/live', class: 'back'}, 'all live sessions')),
    status,
    tabBar,
    controls,
    el('div', {class: 'replay'}, el('div', {class: 'stage'}, urlBar, gone, frame), panel.element),
  );

  const maxHeight = () => innerHeight - stage.getBoundingClientRect().top - window.scrollY - 16;
  const live = createLiveReplayer(stage, maxHeight, () => {
    gone.hidden = true;
    document.body.dataset.live = 'watching';
    status.textContent = 'Watching live.';
  });
  const remote = createRemoteControl(layer, live, (input: AgentInput) => socket.send({t: 'input', input}));
  const onResize = () => live.fit();
  addEventListener('resize', onResize);

  let watching: string | null = null;
  let control: {state: ControlState; agent: string | null; reason?: string} | null = null;
  const customs: CustomEvent[] = [];
  const joined = Date.now();
  let panelTimer: ReturnType<typeof setTimeout> | undefined;

  function showControl(): void {
    const mine = control?.agent === user.name;
    const controlling = control?.state === 'allowed' && mine;
    const asking = control?.state === 'asked' && mine;
    remote.setEnabled(controlling);
    requestControl.hidden = controlling || asking;
    requestControl.disabled = document.body.dataset.live === 'gone' || (control?.state === 'allowed' && !mine);
    endControl.hidden = !(controlling || asking);
    controlState.dataset.state = control?.state ?? 'none';
    const who = control?.agent ? String(control.agent) : 'an agent';
    const reason = control?.reason ? `: ${control.reason}` : '';
    controlState.textContent =
      !control ? (canControl(user) ? '' : 'Watching only: remote control needs an agent login.')
      : control.state === 'asked' ? (mine ? 'Control asked: waiting for the user to allow it…' : `${who} asked for control.`)
      : control.state === 'allowed' ? (mine ? 'You are in control: your clicks, typing and scrolling go to the user’s page.' : `${who} is in control.`)
      : control.state === 'denied' ? `Control denied${reason || ' by the user'}.`
      : `Control ended${reason}.`;
  }

  function showTabs(tabs: LiveTab[]): void {
    tabBar.replaceChildren(
      ...tabs.map((tab) => {
        const button = el(
          'button',
          {type: 'button', class: 'secondary live-tab', 'data-tab': String(tab.tab), 'aria-pressed': String(tab.tab === watching)},
          el('span', {class: `chip ${tab.visible ? 'good' : ''}`}, tab.visible ? 'visible' : 'hidden'),
          ' ',
          el('span', {class: 'tab-url'}, String(tab.url)),
        );
        button.addEventListener('click', () => {
          if (tab.tab !== watching) socket.send({t: 'tab', tab: tab.tab});
        });
        return button;
      }),
    );
    const current = tabs.find((tab) => tab.tab === watching);
    if (current) urlBar.textContent = String(current.url);
  }

  function refreshPanel(): void {
    if (panelTimer !== undefined) return;
    panelTimer = setTimeout(() => {
      panelTimer = undefined;
      panel.setEvents(customs, joined);
      // Every row has happened: the latest is "now", and kept in view.
      panel.follow(Number.MAX_SAFE_INTEGER);
    }, PANEL_REFRESH_MS);
  }

  function take(events: LiveEvent[]): void {
    let panelChanged = false;
    for (const event of live.add(events)) {
      if (event.type === META && typeof (event.data as any)?.href === 'string') urlBar.textContent = (event.data as any).href;
      if (event.type !== CUSTOM) continue;
      const custom = event as unknown as CustomEvent;
      if (typeof custom.data?.tag !== 'string') continue;
      if (custom.data.tag === 'tracker.navigation' && typeof custom.data.payload?.url === 'string') urlBar.textContent = custom.data.payload.url;
      customs.push(custom);
      panelChanged = true;
    }
    if (customs.length > MAX_PANEL_ROWS) customs.splice(0, customs.length - MAX_PANEL_ROWS);
    if (panelChanged) refreshPanel();
  }

  function onFrame(frame: ToAgentFrame): void {
    if (frame.t === 'tabs' && Array.isArray(frame.tabs)) {
      if (frame.watching !== watching) {
        // Another tab: its page comes as a fresh snapshot.
        watching = frame.watching;
        live.reset();
      }
      showTabs(frame.tabs);
    } else if (frame.t === 'ev' && Array.isArray(frame.events)) {
      if (watching === null || frame.tab === watching) take(frame.events);
    } else if (frame.t === 'control') {
      control = {state: frame.state, agent: frame.agent, reason: frame.reason};
      showControl();
    } else if (frame.t === 'gone' && frame.tab === watching) {
      gone.hidden = false;
      document.body.dataset.live = 'gone';
      status.textContent = "The user's page is gone.";
      if (control?.agent === user.name) control = {state: 'ended', agent: user.name, reason: 'the page is gone'};
      showControl();
    }
  }

  function onState(state: SocketState, reason?: string): void {
    if (state === 'open') {
      status.textContent = 'Connected: waiting for the user’s page…';
      return;
    }
    if (state === 'connecting') return;
    // Whatever was granted ended with the connection; the collector says again what holds.
    control = null;
    live.reset();
    document.body.dataset.live = state;
    status.textContent = reason ?? '';
    showControl();
  }

  /** The socket closed before it opened: the read API says whether this login may see the session at all. */
  async function explainFailure(): Promise<string | null> {
    try {
      await api(`/api/sessions/${encodeURIComponent(sessionID)}`);
      return null;
    } catch (error) {
      if (error instanceof NeedsLogin) return 'Your login ended: log in again to watch.';
      if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return `This session cannot be watched: ${error.message}`;
      return null;
    }
  }

  const socket = openLiveSocket(sessionID, {onFrame, onState, explainFailure});
  requestControl.addEventListener('click', () => socket.send({t: 'control', action: 'request'}));
  endControl.addEventListener('click', () => socket.send({t: 'control', action: 'end'}));
  showControl();
  refreshPanel();

  return () => {
    socket.close();
    clearTimeout(panelTimer);
    removeEventListener('resize', onResize);
    live.destroy();
    delete document.body.dataset.live;
  };
}
