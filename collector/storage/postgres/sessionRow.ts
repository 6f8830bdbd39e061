// A row of the sessions table as the collector's Session, and back: the
// summary columns that a change (applySessionChange) writes.
import type {Session} from '../types';

/** A row of `sessions` as the collector's Session. */
export function toSession(row: Record<string, any>): Session {
  const n = (value: unknown) => (value === null ? null : Number(value));
  return {
    sessionID: row.session_id,
    projectKey: row.project_key,
    userID: row.user_id,
    userUUID: row.user_uuid,
    metadata: row.metadata,
    startedAt: Number(row.started_at),
    lastActivityAt: Number(row.last_activity_at),
    firstEventAt: n(row.first_event_at),
    lastEventAt: n(row.last_event_at),
    customEventCount: Number(row.custom_event_count),
    vitals: row.vitals,
    assistOnly: row.assist_only,
    errorCount: Number(row.error_count),
    consoleErrorCount: Number(row.console_error_count),
    failedRequestCount: Number(row.failed_request_count),
    urls: row.urls,
    eventNames: row.event_names,
    rageClickCount: Number(row.rage_click_count),
    deadClickCount: Number(row.dead_click_count),
    errorClickCount: Number(row.error_click_count),
    trigger: row.trigger,
    pages: row.pages,
  };
}

// A session's summary, written back after applySessionChange, with its
// parameters (summaryValues) numbered from $first: the session, then its fields.
const SUMMARY_FIELDS = [
  'user_id', 'metadata', 'vitals', 'custom_event_count', 'error_count', 'console_error_count', 'failed_request_count', 'urls', 'event_names',
  'first_event_at', 'last_event_at', 'last_activity_at', 'rage_click_count', 'dead_click_count', 'error_click_count', 'trigger',
];
export const summaryUpdate = (first: number) =>
  `UPDATE sessions SET ${SUMMARY_FIELDS.map((field, i) => `${field} = $${first + 1 + i}`).join(', ')} WHERE session_id = $${first}`;

// The same, from rows of jsonb_populate_recordset(null::sessions, …) named v (summaryRecord).
export const SUMMARY_FROM_RECORDS = SUMMARY_FIELDS.map((field) => `${field} = v.${field}`).join(', ');

export const summaryValues = (session: Session) => [
  session.sessionID, session.userID, session.metadata, session.vitals, session.customEventCount, session.errorCount, session.consoleErrorCount,
  session.failedRequestCount, session.urls, session.eventNames, session.firstEventAt, session.lastEventAt, session.lastActivityAt,
  session.rageClickCount, session.deadClickCount, session.errorClickCount, session.trigger,
];

/** A session's summary as a row of the sessions table (column names), for jsonb_populate_recordset. */
export function summaryRecord(session: Session): Record<string, unknown> {
  const values = summaryValues(session);
  return Object.fromEntries([['session_id', values[0]], ...SUMMARY_FIELDS.map((field, i) => [field, values[i + 1]])]);
}
