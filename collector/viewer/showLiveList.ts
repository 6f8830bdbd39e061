// The live sessions (#/live?filters): the sessions with a page connected now,
// their tabs and the agents watching, asked of the collector again every
// POLL_MS while shown. Filtered like the sessions list (userID, meta). User
// IDs, metadata and URLs come from whoever runs the page: text only (el), and
// no URL of theirs becomes a link.
import {api, NeedsLogin} from './api';
import {el} from './el';
import {formatTime} from './format';
import type {LiveSession} from './types';

/** A tab leaves the collector's list within 2 s of closing: the list follows about as fast. */
const POLL_MS = 1000;

function tabList(session: LiveSession): HTMLElement {
  const list = el('ul', {class: 'live-tabs'});
  for (const tab of session.tabs ?? []) {
    list.append(
      el(
        'li',
        {'data-tab': String(tab.tabID), class: tab.visible ? 'visible' : 'hidden'},
        el('span', {class: `chip ${tab.visible ? 'good' : ''}`}, tab.visible ? 'visible' : 'hidden'),
        ' ',
        el('span', {class: 'tab-url'}, String(tab.url)),
        ' ',
        el('span', {class: 'muted'}, `since ${formatTime(tab.since)}`),
      ),
    );
  }
  return list;
}

function liveRow(session: LiveSession): HTMLElement {
  const metadata = el('td');
  for (const [key, value] of Object.entries(session.metadata ?? {})) metadata.append(el('span', {class: 'chip'}, `${key}: ${value}`));
  const agents = session.agents?.length ? session.agents.map(String).join(', ') : el('span', {class: 'muted'}, 'nobody');
  const user = el('td', {}, session.userID ?? el('span', {class: 'muted'}, 'anonymous'));
  if (session.assistOnly) user.append(' ', el('span', {class: 'chip', title: 'Assist only: nothing of this session is stored'}, 'assist only'));
  return el(
    'tr',
    {'data-live-session': session.sessionID},
    el('td', {}, el('a', {href: `#/live/${encodeURIComponent(session.sessionID)}`}, 'Watch')),
    user,
    metadata,
    el('td', {}, tabList(session)),
    el('td', {class: 'agents'}, agents),
  );
}

function filterForm(query: URLSearchParams): HTMLFormElement {
  const input = (name: string, placeholder: string, title: string) => el('input', {name, placeholder, title, value: query.get(name) ?? ''});
  const fields = [input('userID', 'user ID', 'live sessions of this user ID'), input('meta', 'metadata key:value', 'live sessions with this metadata')];
  const form = el('form', {class: 'filters'}, ...fields, el('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const field of fields) if (field.value.trim()) next.set(field.name, field.value.trim());
    location.hash = `#/live?${next}`;
  });
  return form;
}

/** Shows the list and keeps it current; the returned function stops that. A failed poll after the first is shown and retried. */
export async function showLiveList(view: HTMLElement, query: URLSearchParams, onError: (error: unknown) => void): Promise<() => void> {
  document.body.dataset.view = 'loading';
  const params = new URLSearchParams();
  for (const name of ['userID', 'meta']) if (query.get(name)) params.set(name, query.get(name)!);
  const headings = ['', 'User', 'Metadata', 'Tabs', 'Watching'];
  const body = el('tbody');
  const table = el('table', {class: 'live-list'}, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', {}, h)))), body);
  const empty = el('p', {class: 'empty'}, params.size ? 'No live session matches these filters.' : 'No live session: nobody is on a page with Assist on right now.');
  const problem = el('p', {class: 'error', hidden: ''});
  const holder = el('div', {id: 'live-sessions'});
  view.replaceChildren(filterForm(query), problem, holder);
  let shown = '';
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const load = async () => {
    const {sessions} = await api<{sessions: LiveSession[]}>(`/api/live${params.size ? `?${params}` : ''}`);
    const text = JSON.stringify(sessions);
    if (text === shown || stopped) return;
    shown = text;
    body.replaceChildren(...sessions.map(liveRow));
    holder.replaceChildren(sessions.length ? table : empty);
  };
  const poll = async () => {
    try {
      await load();
      problem.hidden = true;
    } catch (error) {
      if (stopped) return;
      // The login ended: the viewer asks for it again, and comes back here.
      if (error instanceof NeedsLogin) return onError(error);
      problem.textContent = `Could not refresh the live sessions: ${error instanceof Error ? error.message : error}`;
      problem.hidden = false;
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };

  await load();
  document.body.dataset.view = 'live-list';
  timer = setTimeout(poll, POLL_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
