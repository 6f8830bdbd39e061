// The read side, for the replay viewer and tests. Lists come from the
// in-memory index; only a replay reads event files.
import type {Collector} from '../context';
import {HttpError, sendJson, type RequestContext} from '../http';
import type {SessionRecord} from '../storage';

function summary(session: SessionRecord) {
  return {
    sessionID: session.sessionID,
    projectKey: session.projectKey,
    userID: session.userID,
    userUUID: session.userUUID,
    metadata: session.metadata,
    startedAt: session.startedAt,
    lastEventAt: session.lastEventAt,
    durationMs: Math.max(0, session.lastEventAt - session.startedAt),
    customEventCount: session.customEventCount,
    vitals: session.vitals,
    assistOnly: session.assistOnly,
    pages: session.pages.map(({pageID, url, startedAt, eventCount}) => ({pageID, url, startedAt, eventCount})),
  };
}

function findSession(collector: Collector, context: RequestContext): SessionRecord {
  const session = collector.storage.getSession(context.params.id);
  if (!session) throw new HttpError(404, `no session ${context.params.id}`);
  return session;
}

export async function listSessions(collector: Collector, context: RequestContext): Promise<void> {
  const query = context.url.searchParams;
  const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
  const beforeText = query.get('before');
  const before = beforeText === null ? undefined : Number(beforeText);
  if (before !== undefined && !Number.isFinite(before)) throw new HttpError(400, 'before must be a timestamp (ms)');
  const metaText = query.get('meta');
  let meta: {key: string; value: string} | undefined;
  if (metaText !== null) {
    const colon = metaText.indexOf(':');
    if (colon < 1) throw new HttpError(400, 'meta must be key:value');
    meta = {key: metaText.slice(0, colon), value: metaText.slice(colon + 1)};
  }
  const sessions = collector.storage.listSessions({userID: query.get('userID') ?? undefined, meta, before, limit});
  sendJson(context.response, 200, {sessions: sessions.map(summary)});
}

export async function getSession(collector: Collector, context: RequestContext): Promise<void> {
  sendJson(context.response, 200, summary(findSession(collector, context)));
}

export async function sessionEvents(collector: Collector, context: RequestContext): Promise<void> {
  const session = findSession(collector, context);
  // Events are spliced in as stored JSON text: no parse and re-serialise.
  const pages: string[] = [];
  for (const page of summary(session).pages) {
    const events = await collector.storage.readPageEvents(session.sessionID, page.pageID);
    pages.push(`${JSON.stringify(page).slice(0, -1)},"events":${events}}`);
  }
  const head = JSON.stringify({...summary(session), pages: []}).replace(/"pages":\[\]/, `"pages":[${pages.join(',')}]`);
  sendJson(context.response, 200, head);
}

export async function pageEvents(collector: Collector, context: RequestContext): Promise<void> {
  const session = findSession(collector, context);
  const pageID = Number(context.params.page);
  if (!session.pages.some((page) => page.pageID === pageID)) throw new HttpError(404, `no page ${context.params.page} in session ${session.sessionID}`);
  const events = await collector.storage.readPageEvents(session.sessionID, pageID);
  sendJson(context.response, 200, `{"pageID":${pageID},"events":${events}}`);
}
