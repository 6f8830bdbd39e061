// The sessions list (#/?filters): newest first, with what went wrong in each,
// filtered by the read API (userID, meta, hasErrors, url, event), and how many
// sessions match ("1,234 sessions", or "about 2.3 million sessions
// (estimate)"). A count that came as an estimate is asked again, exactly
// (count=exact), once the page is shown: the collector estimates some small
// counts that would hold up the page, and those become exact a moment later.
// "Older sessions" follows the API's cursor. User IDs, metadata and URLs come
// from whoever sent the session: text only (el).
import {api} from './api';
import {el} from './el';
import {formatDuration, formatSessionCount, formatTime} from './format';
import type {SessionCount, SessionList, SessionSummary} from './types';

const PAGE_SIZE = 100;

function vitalsChips(vitals: SessionSummary['vitals'] = {}): HTMLElement {
  const cell = el('td');
  for (const [name, vital] of Object.entries(vitals)) {
    const value = name === 'CLS' ? vital.value.toFixed(3) : `${Math.round(vital.value)} ms`;
    cell.append(el('span', {class: `chip ${vital.rating}`, title: vital.rating}, `${name} ${value}`));
  }
  return cell;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Errors, console errors and failed requests; empty when the collector does not count them. */
function problemChips(session: SessionSummary): HTMLElement {
  const cell = el('td', {class: 'problems'});
  // Uncaught errors in red; what the page itself logged or survived in amber.
  const counts: [number | undefined, string, string, string, string][] = [
    [session.errorCount, 'error', 'errors', 'errors', 'poor'],
    [session.consoleErrorCount, 'console error', 'console errors', 'console-errors', 'needs-improvement'],
    [session.failedRequestCount, 'failed request', 'failed requests', 'failed-requests', 'needs-improvement'],
  ];
  for (const [count, one, many, name, tone] of counts) {
    if (count) cell.append(el('span', {class: `chip ${tone}`, 'data-count': name}, plural(count, one, many)));
  }
  if (!cell.childElementCount && session.errorCount !== undefined) cell.append(el('span', {class: 'muted'}, 'none'));
  return cell;
}

function sessionRow(session: SessionSummary): HTMLElement {
  const events = session.pages.reduce((sum, page) => sum + page.eventCount, 0);
  const metadata = el('td');
  for (const [key, value] of Object.entries(session.metadata ?? {})) metadata.append(el('span', {class: 'chip'}, `${key}: ${value}`));
  return el(
    'tr',
    {'data-session': session.sessionID},
    el('td', {}, el('a', {href: `#/session/${encodeURIComponent(session.sessionID)}`}, formatTime(session.startedAt))),
    el('td', {}, session.userID ?? el('span', {class: 'muted'}, 'anonymous')),
    metadata,
    el('td', {class: 'num'}, formatDuration(session.durationMs)),
    el('td', {class: 'num', title: (session.urls ?? session.pages.map((page) => page.url)).join('\n')}, String(session.pages.length)),
    el('td', {class: 'num'}, String(events)),
    el('td', {class: 'num'}, String(session.customEventCount ?? 0)),
    problemChips(session),
    vitalsChips(session.vitals),
  );
}

function filterForm(query: URLSearchParams): HTMLFormElement {
  const input = (name: string, placeholder: string, title: string) => el('input', {name, placeholder, title, value: query.get(name) ?? ''});
  const fields = [
    input('userID', 'user ID', 'sessions of this user ID'),
    input('meta', 'metadata key:value', 'sessions with this metadata'),
    input('url', 'URL contains', 'sessions that visited a URL containing this'),
    input('event', 'event name', 'sessions with a tracker.event of this name'),
  ];
  const hasErrors = el('input', {type: 'checkbox', name: 'hasErrors'});
  hasErrors.checked = query.get('hasErrors') === '1';
  const form = el('form', {class: 'filters'}, ...fields, el('label', {class: 'check'}, hasErrors, 'has errors'), el('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const field of fields) if (field.value.trim()) next.set(field.name, field.value.trim());
    if (hasErrors.checked) next.set('hasErrors', '1');
    location.hash = `#/?${next}`;
  });
  return form;
}

export async function showSessionList(view: HTMLElement, query: URLSearchParams): Promise<void> {
  document.body.dataset.view = 'loading';
  const body = el('tbody');
  const headings = ['Started', 'User', 'Metadata', 'Duration', 'Pages', 'Events', 'Custom', 'Problems', 'Web vitals'];
  const table = el('table', {}, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', {}, h)))), body);
  const count = el('p', {class: 'session-count muted'});
  const more = el('button', {class: 'secondary', type: 'button'}, 'Older sessions');
  view.replaceChildren(filterForm(query), count, table);
  let cursor: string | null = null;
  const load = async () => {
    const params = new URLSearchParams(query);
    params.set('limit', String(PAGE_SIZE));
    // Counted with the first page only: the later ones do not change it.
    if (cursor === null) params.set('count', '1');
    else params.set('cursor', cursor);
    const page = await api<SessionList>(`/api/sessions?${params}`);
    body.append(...page.sessions.map(sessionRow));
    if (page.count) showCount(count, page.count);
    if (page.count && !page.count.exact) countExactly(count, query);
    cursor = page.nextCursor ?? null;
    if (cursor !== null) view.append(more);
    else more.remove();
    if (!body.children.length) {
      const filtered = [...query.keys()].length > 0;
      count.remove();
      table.replaceWith(el('p', {class: 'empty'}, filtered ? 'No session matches these filters.' : 'No session recorded yet: open the demo shop and come back.'));
    }
  };
  more.addEventListener('click', () => load().catch((error) => view.append(el('p', {class: 'error'}, `Could not load: ${error}`))));
  await load();
  document.body.dataset.view = 'list';
}

function showCount(count: HTMLElement, value: SessionCount): void {
  count.textContent = formatSessionCount(value);
  count.dataset.exact = String(value.exact);
}

/** The count again, exact up to 10,000 however long that takes (seconds at most); the estimate stays if that fails. */
function countExactly(count: HTMLElement, query: URLSearchParams): void {
  const params = new URLSearchParams(query);
  params.set('limit', '1');
  params.set('count', 'exact');
  api<SessionList>(`/api/sessions?${params}`)
    .then((answer) => {
      if (answer.count && count.isConnected) showCount(count, answer.count);
    })
    .catch(() => {});
}
