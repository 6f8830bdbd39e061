// The replay viewer: a sessions list and a replay page, served by the
// collector at / with every asset local. Hash routes: #/ and #/session/<id>.
import Player from 'rrweb-player';
import 'rrweb-player/dist/style.css';
import './app.css';
import {canvasReplay} from './canvasReplay';

interface PageSummary {
  pageID: number;
  url: string;
  startedAt: number;
  eventCount: number;
}

interface SessionSummary {
  sessionID: string;
  userID: string | null;
  metadata: Record<string, string>;
  startedAt: number;
  durationMs?: number;
  customEventCount?: number;
  vitals?: Record<string, {value: number; rating: string}>;
  pages: PageSummary[];
}

interface ReplayEvent {
  type: number;
  data: any;
  timestamp: number;
}

const CUSTOM_TAGS: Record<string, string> = {
  'tracker.event': '#2c5cc5',
  'tracker.identify': '#7a4cc2',
  'tracker.vital': '#0a8a4a',
  'tracker.gap': '#c0332b',
  'tracker.metadata': '#888888',
  'tracker.rageclick': '#d9480f',
  'tracker.deadclick': '#b37400',
  'tracker.errorclick': '#c0332b',
  'tracker.trigger': '#1d2330',
};

const view = document.getElementById('view')!;
let player: Player | null = null;

class NeedsSecret extends Error {}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(path, {credentials: 'same-origin'});
  if (response.status === 401) throw new NeedsSecret();
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const formatTime = (ms: number) => new Date(ms).toLocaleString();
function formatDuration(ms = 0): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function showError(error: unknown): void {
  view.replaceChildren(
    error instanceof NeedsSecret
      ? el('p', {class: 'error'}, 'This collector needs its read secret: open this page as /?key=<read secret>.')
      : el('p', {class: 'error'}, `Could not load: ${error}`),
  );
  document.body.dataset.view = 'error';
}

function vitalsChips(vitals: SessionSummary['vitals'] = {}): HTMLElement {
  const cell = el('td');
  for (const [name, vital] of Object.entries(vitals)) {
    const value = name === 'CLS' ? vital.value.toFixed(3) : `${Math.round(vital.value)} ms`;
    cell.append(el('span', {class: `chip ${vital.rating}`, title: vital.rating}, `${name} ${value}`));
  }
  return cell;
}

function sessionRow(session: SessionSummary): HTMLElement {
  const events = session.pages.reduce((sum, page) => sum + page.eventCount, 0);
  const metadata = el('td');
  for (const [key, value] of Object.entries(session.metadata ?? {})) metadata.append(el('span', {class: 'chip'}, `${key}: ${value}`));
  return el(
    'tr',
    {'data-session': session.sessionID},
    el('td', {}, el('a', {href: `#/session/${session.sessionID}`}, formatTime(session.startedAt))),
    el('td', {}, session.userID ?? el('span', {class: 'muted'}, 'anonymous')),
    metadata,
    el('td', {class: 'num'}, formatDuration(session.durationMs)),
    el('td', {class: 'num'}, String(session.pages.length)),
    el('td', {class: 'num'}, String(events)),
    el('td', {class: 'num'}, String(session.customEventCount ?? 0)),
    vitalsChips(session.vitals),
  );
}

async function showList(query: URLSearchParams): Promise<void> {
  document.body.dataset.view = 'loading';
  const userInput = el('input', {name: 'userID', placeholder: 'user ID', value: query.get('userID') ?? ''});
  const metaInput = el('input', {name: 'meta', placeholder: 'metadata key:value', value: query.get('meta') ?? ''});
  const form = el('form', {class: 'filters'}, userInput, metaInput, el('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (userInput.value) next.set('userID', userInput.value);
    if (metaInput.value) next.set('meta', metaInput.value);
    location.hash = `#/?${next}`;
  });
  const body = el('tbody');
  const table = el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...['Started', 'User', 'Metadata', 'Duration', 'Pages', 'Events', 'Custom', 'Web vitals'].map((h) => el('th', {}, h)))),
    body,
  );
  const more = el('button', {class: 'secondary', type: 'button'}, 'Older sessions');
  view.replaceChildren(form, table);
  let before: number | null = null;
  const load = async () => {
    const params = new URLSearchParams(query);
    params.set('limit', '100');
    if (before !== null) params.set('before', String(before));
    const {sessions} = await api<{sessions: SessionSummary[]}>(`/api/sessions?${params}`);
    body.append(...sessions.map(sessionRow));
    before = sessions.length ? sessions[sessions.length - 1].startedAt : before;
    if (sessions.length === 100) view.append(more);
    else more.remove();
    if (!body.children.length) table.replaceWith(el('p', {class: 'empty'}, 'No session recorded yet: open the demo shop and come back.'));
  };
  more.addEventListener('click', () => load().catch(showError));
  await load();
  document.body.dataset.view = 'list';
}

function describe(event: ReplayEvent): string {
  const {tag, payload} = event.data;
  if (tag === 'tracker.event') return `event ${payload.name}`;
  if (tag === 'tracker.identify') return `user ${payload.userID}`;
  if (tag === 'tracker.metadata') return `${payload.key} = ${payload.value}`;
  if (tag === 'tracker.vital') return `${payload.name} ${Math.round(payload.value * 1000) / 1000} (${payload.rating})`;
  if (/^tracker\.(rage|dead|error)click$/.test(tag)) return `${tag.slice(8, -5)} click on ${payload.selector}`;
  if (tag === 'tracker.trigger') return `recording sent after ${payload.reason}`;
  if (tag === 'tracker.gap') return `gap: ${payload.events} events lost (${payload.reason})`;
  return String(tag);
}

async function showReplay(sessionID: string): Promise<void> {
  document.body.dataset.view = 'loading';
  document.body.dataset.replay = 'loading';
  const session = await api<SessionSummary>(`/api/sessions/${encodeURIComponent(sessionID)}`);
  const pages = [...session.pages].sort((a, b) => a.pageID - b.pageID);
  const urlBar = el('div', {class: 'url', id: 'replay-url'}, pages[0]?.url ?? '');
  const stage = el('div', {id: 'player'});
  const timeline = el('div', {class: 'timeline', id: 'timeline'});
  const cursor = el('div', {class: 'cursor'});
  timeline.append(cursor);
  const eventList = el('div', {class: 'events', id: 'custom-events'}, el('h3', {}, 'Custom events'));
  const title = el('h2', {}, `${session.userID ?? 'anonymous'} · ${formatTime(session.startedAt)} · ${pages.length} page(s)`);
  view.replaceChildren(title, el('div', {class: 'replay'}, el('div', {}, urlBar, stage, timeline), eventList));

  const all: ReplayEvent[] = [];
  const metas: ReplayEvent[] = [];
  const customs: ReplayEvent[] = [];
  let start = 0;
  let end = 0;
  const jump = (event: ReplayEvent) => player?.goto(event.timestamp - start, false);
  const redrawMarks = () => {
    timeline.querySelectorAll('button.mark').forEach((mark) => mark.remove());
    eventList.querySelectorAll('button').forEach((item) => item.remove());
    for (const event of customs) {
      const left = end > start ? ((event.timestamp - start) / (end - start)) * 100 : 0;
      const mark = el('button', {class: `mark tag-${event.data.tag}`, title: describe(event), style: `left:${left}%`});
      mark.addEventListener('click', () => jump(event));
      timeline.append(mark);
      const item = el('button', {type: 'button'}, `${formatDuration(event.timestamp - start)} · ${describe(event)}`);
      item.addEventListener('click', () => jump(event));
      eventList.append(item);
    }
  };
  const take = (events: ReplayEvent[]) => {
    for (const event of events) {
      all.push(event);
      if (event.type === 4) metas.push(event);
      if (event.type === 5 && typeof event.data?.tag === 'string') customs.push(event);
      if (!start || event.timestamp < start) start = event.timestamp;
      end = Math.max(end, event.timestamp);
    }
  };
  const showUrlAt = (offset: number) => {
    const at = start + offset;
    let current = metas[0];
    for (const meta of metas) if (meta.timestamp <= at) current = meta;
    if (current) urlBar.textContent = current.data.href;
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
  player?.getReplayer().destroy();
  stage.replaceChildren();
  player = new Player({
    target: stage,
    props: {
      events: all.slice() as never,
      width: Math.min(1024, view.clientWidth - 320),
      height: 576,
      autoPlay: false,
      skipInactive: true,
      speedOption: [1, 2, 4, 8, 16],
      tags: CUSTOM_TAGS,
      showController: true,
      plugins: [canvasReplay()],
    },
  });
  // Offsets are on the player's clock: take its start and end, not ours.
  const syncClock = () => {
    const meta = player!.getMetaData();
    start = meta.startTime;
    end = meta.endTime;
  };
  syncClock();
  player.addEventListener('ui-update-current-time', (event: any) => {
    const offset = event.payload as number;
    showUrlAt(offset);
    cursor.style.left = `${end > start ? Math.min(100, (offset / (end - start)) * 100) : 0}%`;
  });
  // The player reports 'paused' right after 'finish': keep 'finished' until it plays again.
  let finished = false;
  player.addEventListener('ui-update-player-state', (event: any) => {
    if (event.payload === 'playing') finished = false;
    if (!finished) document.body.dataset.replay = event.payload;
  });
  player.addEventListener('finish', () => {
    finished = true;
    document.body.dataset.replay = 'finished';
  });
  syncClock();
  redrawMarks();
  document.body.dataset.view = 'replay';
  document.body.dataset.replay = 'ready';
  for (const page of rest) {
    const events = await fetchPage(page);
    take(events);
    for (const event of events) player.addEvent(event as never);
    syncClock();
    redrawMarks();
  }
  document.body.dataset.loaded = 'all';
}

function route(): void {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  const match = path.match(/^\/session\/([^/]+)$/);
  const shown = match ? showReplay(decodeURIComponent(match[1])) : showList(new URLSearchParams(search));
  shown.catch(showError);
}

addEventListener('hashchange', route);
route();
