// The replay viewer: a sessions list and a replay page, served by the
// collector at / with every asset local. Hash routes: #/ and #/session/<id>;
// a login link opens it as #login=<token>. Nothing shows before a login: the
// read API answers 401 and the login form takes its place. #/live lists the
// live sessions and #/live/<id> watches one (SPEC section 8).
import Player from 'rrweb-player';
import 'rrweb-player/dist/style.css';
import './app.css';
import {api, NeedsLogin} from './api';
import {canvasReplay} from './canvasReplay';
import {createDevtoolsPanel, describeEvent} from './devtoolsPanel';
import {el} from './el';
import {formatOffset, formatTime} from './format';
import {currentUser, logIn, logOut, takeLoginLinkToken, type User} from './login';
import {sanitizeReplayEvent} from './sanitizeReplayEvent';
import {showAccount} from './showAccount';
import {describeRefusal, showLoginForm} from './showLoginForm';
import {showLiveList} from './showLiveList';
import {showSessionList} from './showSessionList';
import {CUSTOM, META, type CustomEvent, type PageSummary, type ReplayEvent, type SessionSummary} from './types';

/**
 * Colours of the custom events on the player's own progress bar. Without a
 * prototype: the player looks up every recorded tag here, "constructor" included.
 */
const PLAYER_TAGS: Record<string, string> = Object.assign(Object.create(null), {
  'tracker.event': '#2c5cc5',
  'tracker.identify': '#7a4cc2',
  'tracker.vital': '#0a8a4a',
  'tracker.gap': '#c0332b',
  'tracker.metadata': '#888888',
  'tracker.error': '#c0332b',
  'tracker.console': '#c9ccd4',
  'tracker.network': '#c9ccd4',
  'tracker.navigation': '#b37400',
  'tracker.rageclick': '#d9480f',
  'tracker.deadclick': '#b37400',
  'tracker.errorclick': '#c0332b',
  'tracker.trigger': '#1d2330',
});
/** Tags marked on the timeline under the player; console and network are too many to mark, they have the panel. */
const TIMELINE_TAGS = new Set([
  'tracker.event',
  'tracker.identify',
  'tracker.vital',
  'tracker.gap',
  'tracker.metadata',
  'tracker.navigation',
  'tracker.error',
  'tracker.rageclick',
  'tracker.deadclick',
  'tracker.errorclick',
  'tracker.trigger',
]);
/** rrweb-player's controller under the frame (its own constant). */
const CONTROLLER_HEIGHT = 80;
const MIN_PLAYER_HEIGHT = 240;

const view = document.getElementById('view')!;
let player: Player | null = null;
let stopResizing: (() => void) | null = null;
/** Who is logged in; null while the login form is shown. */
let user: User | null = null;
/** Stops what the live views keep doing (polling, the socket) when another view is shown. */
let leaveLive: (() => void) | null = null;
/** Counts the views shown: a live view that finishes loading after another was asked for stops at once. */
let routes = 0;

// Tests read the replay's clock here (the player shows whole seconds only).
(window as any).replayViewer = {currentTime: () => player?.getReplayer().getCurrentTime() ?? null};

function showError(error: unknown): void {
  if (error instanceof NeedsLogin) {
    // The login ended (logged out elsewhere, expired): log in again, then back to where this was.
    void askForLogin(error.message);
    return;
  }
  view.replaceChildren(el('p', {class: 'error'}, `Could not load: ${error instanceof Error ? error.message : error}`));
  document.body.dataset.view = 'error';
}

function closeReplay(): void {
  leaveLive?.();
  leaveLive = null;
  stopResizing?.();
  stopResizing = null;
  player?.getReplayer().destroy();
  player = null;
}

async function askForLogin(error?: string): Promise<void> {
  user = null;
  closeReplay();
  showAccount(null, onLogOut);
  loggedIn(await showLoginForm(view, {error}));
}

function loggedIn(who: User): void {
  user = who;
  showAccount(user, onLogOut);
  route();
}

async function onLogOut(): Promise<void> {
  try {
    await logOut();
  } catch (error) {
    // Already logged out is what was asked for; anything else is shown, and the login kept.
    if (!(error instanceof NeedsLogin)) {
      showError(error);
      return;
    }
  }
  await askForLogin();
}

/** The frame size that fits the stage's width and keeps the controller and timeline above the fold. */
function playerSize(stage: HTMLElement, below: HTMLElement): {width: number; height: number} {
  const width = Math.max(320, Math.floor(stage.clientWidth));
  const belowHeight = below.offsetHeight + parseFloat(getComputedStyle(below).marginTop) + 16;
  const room = innerHeight - stage.getBoundingClientRect().top - window.scrollY - CONTROLLER_HEIGHT - belowHeight;
  return {width, height: Math.max(MIN_PLAYER_HEIGHT, Math.floor(room))};
}

async function showReplay(sessionID: string): Promise<void> {
  document.body.dataset.view = 'loading';
  document.body.dataset.replay = 'loading';
  delete document.body.dataset.loaded;
  const session = await api<SessionSummary>(`/api/sessions/${encodeURIComponent(sessionID)}`);
  const pages = [...session.pages].sort((a, b) => a.pageID - b.pageID);
  const urlBar = el('div', {class: 'url', id: 'replay-url'}, pages[0]?.url ?? '');
  const stage = el('div', {id: 'player'});
  const timeline = el('div', {class: 'timeline', id: 'timeline'});
  const cursor = el('div', {class: 'cursor'});
  timeline.append(cursor);
  const panel = createDevtoolsPanel((offset) => player?.goto(offset));
  const title = el('h2', {}, `${session.userID ?? 'anonymous'} · ${formatTime(session.startedAt)} · ${pages.length} page(s)`);
  view.replaceChildren(title, el('div', {class: 'replay'}, el('div', {class: 'stage'}, urlBar, stage, timeline), panel.element));

  const all: ReplayEvent[] = [];
  /** Where the page was: Meta events (page loads) and tracker.navigation (history changes), in time order. */
  const locations: {timestamp: number; url: string}[] = [];
  const customs: CustomEvent[] = [];
  let start = 0;
  let end = 0;
  const redraw = () => {
    customs.sort((a, b) => a.timestamp - b.timestamp);
    locations.sort((a, b) => a.timestamp - b.timestamp);
    timeline.querySelectorAll('button.mark').forEach((mark) => mark.remove());
    for (const event of customs) {
      if (!TIMELINE_TAGS.has(event.data.tag)) continue;
      const left = end > start ? ((event.timestamp - start) / (end - start)) * 100 : 0;
      const label = `${formatOffset(event.timestamp - start)} · ${describeEvent(event)}`;
      const mark = el('button', {type: 'button', class: `mark tag-${event.data.tag}`, title: label, 'aria-label': label, style: `left:${left}%`});
      mark.addEventListener('click', () => player?.goto(event.timestamp - start));
      timeline.append(mark);
    }
    panel.setEvents(customs, start);
  };
  const take = (events: ReplayEvent[]) => {
    for (const event of events) {
      sanitizeReplayEvent(event);
      all.push(event);
      if (event.type === META && typeof event.data?.href === 'string') locations.push({timestamp: event.timestamp, url: event.data.href});
      if (event.type === CUSTOM && typeof event.data?.tag === 'string') {
        customs.push(event as CustomEvent);
        if (event.data.tag === 'tracker.navigation' && typeof event.data.payload?.url === 'string') {
          locations.push({timestamp: event.timestamp, url: event.data.payload.url});
        }
      }
      if (!start || event.timestamp < start) start = event.timestamp;
      end = Math.max(end, event.timestamp);
    }
  };
  const showUrlAt = (offset: number) => {
    const at = start + offset;
    let current = locations[0];
    for (const location of locations) if (location.timestamp <= at) current = location;
    if (current && urlBar.textContent !== current.url) urlBar.textContent = current.url;
  };

  // The first page plays while the others are still being fetched.
  const fetchPage = (page: PageSummary) =>
    api<{events: ReplayEvent[]}>(`/api/sessions/${encodeURIComponent(sessionID)}/pages/${page.pageID}/events`).then((r) => r.events);
  const [first, ...rest] = pages;
  if (!first) throw new Error('this session has no page');
  take(await fetchPage(first));
  if (all.length < 2) {
    stage.append(el('p', {class: 'empty'}, 'Nothing to replay yet.'));
    return;
  }
  stopResizing?.();
  player?.getReplayer().destroy();
  stage.replaceChildren();
  player = new Player({
    target: stage,
    props: {
      events: all.slice() as never,
      ...playerSize(stage, timeline),
      autoPlay: false,
      skipInactive: true,
      speedOption: [1, 2, 4, 8, 16],
      tags: PLAYER_TAGS,
      showController: true,
      // Canvas snapshots, without rrweb's UNSAFE_replayCanvas (scripts in the replay frame).
      plugins: [canvasReplay()],
    },
  });
  const current = player;
  const resize = () => {
    // The player is a Svelte component: $set is how its props change (svelte's types are not installed).
    (current as unknown as {$set(props: object): void}).$set(playerSize(stage, timeline));
    current.triggerResize();
  };
  addEventListener('resize', resize);
  stopResizing = () => removeEventListener('resize', resize);
  // Offsets are on the player's clock: take its start and end, not ours.
  const syncClock = () => {
    const meta = current.getMetaData();
    start = meta.startTime;
    end = meta.endTime;
  };
  syncClock();
  current.addEventListener('ui-update-current-time', (event: any) => {
    const offset = event.payload as number;
    showUrlAt(offset);
    panel.follow(offset);
    cursor.style.left = `${end > start ? Math.min(100, (offset / (end - start)) * 100) : 0}%`;
  });
  // The player reports 'paused' right after 'finish': keep 'finished' until it plays again.
  let finished = false;
  current.addEventListener('ui-update-player-state', (event: any) => {
    if (event.payload === 'playing') finished = false;
    if (!finished) document.body.dataset.replay = event.payload;
  });
  current.addEventListener('finish', () => {
    finished = true;
    document.body.dataset.replay = 'finished';
  });
  redraw();
  showUrlAt(0);
  document.body.dataset.view = 'replay';
  document.body.dataset.replay = 'ready';
  for (const page of rest) {
    const events = await fetchPage(page);
    if (player !== current) return;
    take(events);
    for (const event of events) current.addEvent(event as never);
    syncClock();
    redraw();
  }
  document.body.dataset.loaded = 'all';
}

function route(): void {
  if (!user) return;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  const match = path.match(/^\/session\/([^/]+)$/);
  if (!match) {
    stopResizing?.();
    stopResizing = null;
  }
  leaveLive?.();
  leaveLive = null;
  const thisRoute = ++routes;
  document.getElementById('nav-live')?.setAttribute('aria-current', String(path.startsWith('/live')));
  const live = path.match(/^\/live(?:\/([^/]+))?$/);
  if (live) {
    closeReplay();
    const who = user;
    // In a promise, like the replay: a malformed %-escape is shown like any failure.
    Promise.resolve()
      .then(async () => {
        // The live view (rrweb's live Replayer) is its own file, loaded when first opened.
        const leave = live[1] ? (await import('./showLiveSession')).showLiveSession(view, decodeURIComponent(live[1]), who) : await showLiveList(view, new URLSearchParams(search), showError);
        if (thisRoute === routes) leaveLive = leave;
        else leave();
      })
      .catch(showError);
    return;
  }
  // In a promise: a malformed %-escape in the address (decodeURIComponent throws) is shown like any failure.
  const shown = match ? Promise.resolve().then(() => showReplay(decodeURIComponent(match[1]))) : showSessionList(view, new URLSearchParams(search));
  shown.catch(showError);
}

/** Logs in with the login link the page was opened with, or finds the login the cookie holds. */
async function start(): Promise<void> {
  const token = takeLoginLinkToken();
  if (token !== null) {
    try {
      loggedIn(await logIn({link: token}));
    } catch (refusal) {
      await askForLogin(describeRefusal(refusal));
    }
    return;
  }
  try {
    loggedIn(await currentUser());
  } catch (error) {
    if (error instanceof NeedsLogin) await askForLogin();
    else showError(error);
  }
}

addEventListener('hashchange', () => {
  // A login link opened in a tab that already shows the viewer.
  if (location.hash.startsWith('#login=')) void start();
  else route();
});
void start();
