// The panel beside the replay: Console, Network, Errors and the other custom
// events (Events), one row per event at its offset on the player's clock. The
// row of "now" is highlighted and kept in view as the replay plays; clicking a
// row seeks the player there; network and error rows open to their details.
// Every payload comes from the recorded page, so from anyone: its strings are
// shown as text (el), in classes only as one of our own names, and no URL
// from it becomes a link.
import {el} from './el';
import {formatBytes, formatOffset} from './format';
import type {ConsolePayload, CustomEvent, ErrorPayload, NavigationPayload, NetworkPayload} from './types';

type TabName = 'console' | 'network' | 'errors' | 'events';

interface Row {
  offset: number;
  element: HTMLElement;
}

interface Tab {
  name: TabName;
  button: HTMLButtonElement;
  /** How many rows, and how many of them went wrong (errors, failed requests, console errors). */
  count: HTMLElement;
  problems: HTMLElement;
  list: HTMLElement;
  rows: Row[];
  /** Index of the last row at or before the clock; -1 before the first. */
  current: number;
}

export interface DevtoolsPanel {
  element: HTMLElement;
  /** Shows these custom events (in time order), at offsets from `start`, the player's start time. */
  setEvents(events: CustomEvent[], start: number): void;
  /** Moves the highlight to the rows at `offset` ms on the player's clock. */
  follow(offset: number): void;
}

const LABELS: Record<TabName, string> = {console: 'Console', network: 'Network', errors: 'Errors', events: 'Events'};
const EMPTY: Record<TabName, string> = {
  console: 'No console output recorded.',
  network: 'No request recorded.',
  errors: 'No uncaught error or unhandled rejection recorded.',
  events: 'No other custom event recorded.',
};
const TAB_OF_TAG: Record<string, TabName> = {'tracker.console': 'console', 'tracker.network': 'network', 'tracker.error': 'errors'};

const CONSOLE_LEVELS = new Set(['log', 'info', 'warn', 'error', 'debug', 'assert']);

const isFailedRequest = (request: NetworkPayload) => !(request.status > 0 && request.status < 400);

/** A payload's object, or an empty one: a payload can be any JSON. */
const objectOf = (value: unknown): Record<string, any> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});
/** A payload's field as text: strings as they are, anything else as its JSON. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}
const optionalText = (value: unknown) => (value === undefined || value === null ? undefined : text(value));

export function createDevtoolsPanel(seek: (offset: number) => void): DevtoolsPanel {
  const tabs = {} as Record<TabName, Tab>;
  const bar = el('div', {class: 'tabs', role: 'tablist'});
  const body = el('div', {class: 'panel-body'}, bar);
  const element = el('section', {class: 'devtools', id: 'devtools', 'aria-label': 'Console, network, errors and events'}, body);
  let shown: TabName = 'console';
  /** Until someone picks a tab, the panel opens where it is most useful. */
  let chosen = false;
  let lastOffset = 0;

  for (const name of Object.keys(LABELS) as TabName[]) {
    const count = el('span', {class: 'count'});
    const problems = el('span', {class: 'count bad'});
    // The Events list keeps the id the viewer has always given it.
    const listID = name === 'events' ? 'custom-events' : `${name}-rows`;
    const button = el('button', {type: 'button', role: 'tab', id: `tab-${name}`, 'aria-controls': listID}, LABELS[name], count, problems);
    const list = el('div', {class: 'rows', role: 'tabpanel', id: listID, 'aria-labelledby': `tab-${name}`});
    button.addEventListener('click', () => {
      chosen = true;
      show(name);
    });
    bar.append(button);
    body.append(list);
    tabs[name] = {name, button, count, problems, list, rows: [], current: -1};
  }

  function show(name: TabName): void {
    shown = name;
    for (const tab of Object.values(tabs)) {
      const selected = tab.name === name;
      tab.button.setAttribute('aria-selected', String(selected));
      tab.list.hidden = !selected;
    }
    const tab = tabs[name];
    if (tab.current >= 0) keepInView(tab.list, tab.rows[tab.current].element);
  }

  function follow(offset: number): void {
    lastOffset = offset;
    for (const tab of Object.values(tabs)) {
      const index = lastRowAtOrBefore(tab.rows, offset);
      if (index === tab.current) continue;
      tab.rows[tab.current]?.element.classList.remove('current');
      tab.rows[tab.current]?.element.removeAttribute('aria-current');
      tab.current = index;
      // Rows after the current one are dimmed by CSS (.current ~ .row); before the first, all are.
      tab.list.classList.toggle('before-first', index < 0);
      const row = tab.rows[index]?.element;
      if (!row) continue;
      row.classList.add('current');
      row.setAttribute('aria-current', 'true');
      if (tab.name === shown) keepInView(tab.list, row);
    }
  }

  function setEvents(events: CustomEvent[], start: number): void {
    const byTab: Record<TabName, Row[]> = {console: [], network: [], errors: [], events: []};
    for (const event of events) {
      // Own keys only: a tag named "constructor" or "__proto__" is an event like any other.
      const name = Object.hasOwn(TAB_OF_TAG, event.data.tag) ? TAB_OF_TAG[event.data.tag] : 'events';
      const offset = event.timestamp - start;
      const element = buildRow(name, event, offset);
      element.addEventListener('click', (click) => {
        // Clicks inside an open detail (selecting a header value, say) do not seek.
        if ((click.target as Element).closest('.detail')) return;
        seek(offset);
      });
      // Rows without details have no <summary> to take the focus and the Enter key.
      if (element.tagName === 'DIV') {
        element.tabIndex = 0;
        element.addEventListener('keydown', (key) => {
          if (key.key === 'Enter' || key.key === ' ') {
            key.preventDefault();
            seek(offset);
          }
        });
      }
      byTab[name].push({offset, element});
    }
    for (const tab of Object.values(tabs)) {
      tab.rows = byTab[tab.name];
      tab.current = -1;
      tab.list.classList.add('before-first');
      tab.list.replaceChildren(...tab.rows.map((row) => row.element));
      if (!tab.rows.length) tab.list.append(el('p', {class: 'none'}, EMPTY[tab.name]));
      const problems = tab.rows.filter((row) => row.element.classList.contains('problem')).length;
      tab.count.textContent = String(tab.rows.length);
      tab.problems.textContent = String(problems);
      tab.problems.title = `${problems} went wrong`;
      // Errors are all problems: one red number says it.
      tab.count.hidden = problems === tab.rows.length && problems > 0;
      tab.problems.hidden = problems === 0;
    }
    // Open on what went wrong when something did, else on the first tab with rows.
    if (!chosen) shown = tabs.errors.rows.length ? 'errors' : (Object.values(tabs).find((tab) => tab.rows.length)?.name ?? 'console');
    show(shown);
    follow(lastOffset);
  }

  show(shown);
  return {element, setEvents, follow};
}

function lastRowAtOrBefore(rows: Row[], offset: number): number {
  let low = 0;
  let high = rows.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (rows[middle].offset <= offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/** Scrolls the list (never the page) just enough to show the row. */
function keepInView(list: HTMLElement, row: HTMLElement): void {
  const top = row.offsetTop;
  const bottom = top + Math.min(row.offsetHeight, list.clientHeight);
  if (top < list.scrollTop) list.scrollTop = top;
  else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
}

function buildRow(tab: TabName, event: CustomEvent, offset: number): HTMLElement {
  const time = el('time', {}, formatOffset(offset));
  const attrs = {'data-offset': String(Math.round(offset)), 'data-tag': text(event.data.tag)};
  const payload = objectOf(event.data.payload);
  if (tab === 'network') return networkRow(payload as NetworkPayload, time, attrs);
  if (tab === 'errors') return errorRow(payload as ErrorPayload, time, attrs);
  if (tab === 'console') return consoleRow(payload as ConsolePayload, time, attrs);
  return el('div', {...attrs, class: 'row event'}, time, el('span', {class: 'text'}, describeEvent(event)));
}

function consoleRow(payload: ConsolePayload, time: HTMLElement, attrs: Record<string, string>): HTMLElement {
  if ('throttled' in payload) {
    return el('div', {...attrs, class: 'row console throttled'}, time, el('span', {class: 'text'}, `${text(payload.throttled)} console calls dropped in a burst`));
  }
  const level = text(payload.level);
  // The class is one of ours: a made-up level must not style itself as another row.
  const levelClass = CONSOLE_LEVELS.has(level) ? level : 'log';
  const problem = level === 'error' || level === 'assert' ? ' problem' : '';
  const line = Array.isArray(payload.args) ? payload.args.map(text).join(' ') : '';
  return el('div', {...attrs, class: `row console level-${levelClass}${problem}`}, time, el('span', {class: 'level'}, level), el('span', {class: 'text'}, line));
}

function networkRow(request: NetworkPayload, time: HTMLElement, attrs: Record<string, string>): HTMLElement {
  const failed = isFailedRequest(request);
  const status = request.status > 0 ? String(request.status) : 'failed';
  const size = request.responseBytes !== undefined ? formatBytes(request.responseBytes) : '';
  const summary = el(
    'summary',
    {},
    time,
    el('span', {class: 'method'}, text(request.method)),
    el('span', {class: 'path', title: text(request.url)}, shortUrl(text(request.url))),
    el('span', {class: 'status'}, status),
    el('span', {class: 'duration'}, `${Math.round(request.durationMs)} ms`),
    el('span', {class: 'size', title: sizesTitle(request)}, size),
  );
  const facts: [string, string | undefined][] = [
    ['URL', optionalText(request.url)],
    ['Type', optionalText(request.kind)],
    ['Status', request.status > 0 ? text(request.status) : `failed${request.error ? '' : ' (no response)'}`],
    ['Error', optionalText(request.error)],
    ['Duration', `${Math.round(request.durationMs)} ms`],
    ['Sent', request.requestBytes !== undefined ? formatBytes(request.requestBytes) : undefined],
    ['Received', request.responseBytes !== undefined ? formatBytes(request.responseBytes) : undefined],
  ];
  const detail = el('div', {class: 'detail'}, factList(facts));
  headerTable(detail, 'Request headers', request.requestHeaders);
  bodyBlock(detail, 'Request body', request.requestBody);
  headerTable(detail, 'Response headers', request.responseHeaders);
  bodyBlock(detail, 'Response body', request.responseBody);
  if (!request.requestHeaders && !request.responseHeaders && request.requestBody === undefined && request.responseBody === undefined) {
    detail.append(el('p', {class: 'muted'}, 'Headers and bodies are recorded only for the URLs the site opted in.'));
  }
  return el('details', {...attrs, class: `row network${failed ? ' failed problem' : ''}`}, summary, detail);
}

function errorRow(error: ErrorPayload, time: HTMLElement, attrs: Record<string, string>): HTMLElement {
  const name = optionalText(error.name) ?? (error.kind === 'unhandledrejection' ? 'Unhandled rejection' : 'Error');
  const summary = el('summary', {}, time, el('span', {class: 'text'}, el('b', {}, `${name}: `), text(error.message)));
  const where = error.source ? `${text(error.source)}${error.line ? `:${text(error.line)}` : ''}${error.column ? `:${text(error.column)}` : ''}` : undefined;
  const detail = el('div', {class: 'detail'}, factList([
    ['Kind', error.kind === 'unhandledrejection' ? 'unhandled promise rejection' : 'uncaught error'],
    ['Source', where],
  ]));
  if (error.stack) detail.append(el('pre', {class: 'stack'}, text(error.stack)));
  return el('details', {...attrs, class: 'row error problem'}, summary, detail);
}

/** One line of text for a custom event (Events tab, timeline titles). */
export function describeEvent(event: CustomEvent): string {
  const tag = text(event.data.tag);
  const payload = objectOf(event.data.payload);
  if (tag === 'tracker.event') return `event ${text(payload.name)}`;
  if (tag === 'tracker.identify') return `user ${text(payload.userID)}`;
  if (tag === 'tracker.metadata') return `${text(payload.key)} = ${text(payload.value)}`;
  if (tag === 'tracker.vital') return `${text(payload.name)} ${Math.round(payload.value * 1000) / 1000} (${text(payload.rating)})`;
  if (tag === 'tracker.gap') return `gap: ${text(payload.events)} events lost (${text(payload.reason)})`;
  if (tag === 'tracker.navigation') return `${text((payload as NavigationPayload).kind)} to ${text((payload as NavigationPayload).url)}`;
  if (tag === 'tracker.error') return `error: ${text((payload as ErrorPayload).message)}`;
  if (/^tracker\.(rage|dead|error)click$/.test(tag)) return `${tag.slice(8, -5)} click on ${text(payload.selector)}`;
  if (tag === 'tracker.trigger') return `recording sent after ${text(payload.reason)}`;
  return tag;
}

function sizesTitle(request: NetworkPayload): string {
  const sizes = [];
  if (request.requestBytes !== undefined) sizes.push(`sent ${formatBytes(request.requestBytes)}`);
  if (request.responseBytes !== undefined) sizes.push(`received ${formatBytes(request.responseBytes)}`);
  return sizes.join(', ');
}

/** Path and query tell a page's requests apart; the full URL is in the row's title and detail. */
function shortUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

function factList(facts: [string, string | undefined][]): HTMLElement {
  const list = el('dl');
  for (const [name, value] of facts) if (value !== undefined && value !== '') list.append(el('dt', {}, name), el('dd', {}, value));
  return list;
}

function headerTable(detail: HTMLElement, title: string, headers: Record<string, string> | undefined): void {
  if (!headers) return;
  const rows = Object.entries(objectOf(headers)).map(([name, value]) => el('tr', {}, el('th', {}, name), el('td', {}, text(value))));
  detail.append(el('h4', {}, title), rows.length ? el('table', {class: 'headers'}, el('tbody', {}, ...rows)) : el('p', {class: 'muted'}, 'none'));
}

function bodyBlock(detail: HTMLElement, title: string, body: string | undefined): void {
  if (body === undefined) return;
  detail.append(el('h4', {}, title), el('pre', {class: 'body'}, prettyJson(text(body))));
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
