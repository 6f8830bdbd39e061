// The PostgreSQL schema, as numbered steps applied in order at start-up
// (migrate.ts). A step, once released, is never edited: a change is a new
// step, so that every database reaches the same schema whatever its age.
//
// Times are ms since 1970 (bigint), as everywhere in the collector.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'sessions, pages, batch manifest, erasures',
    sql: `
      CREATE TABLE sessions (
        session_id           text PRIMARY KEY,
        project_key          text NOT NULL,
        user_id              text,
        user_uuid            text NOT NULL,
        metadata             jsonb NOT NULL DEFAULT '{}',
        started_at           bigint NOT NULL,
        last_activity_at     bigint NOT NULL,
        first_event_at       bigint,
        last_event_at        bigint,
        custom_event_count   bigint NOT NULL DEFAULT 0,
        vitals               jsonb NOT NULL DEFAULT '{}',
        assist_only          boolean NOT NULL,
        error_count          bigint NOT NULL DEFAULT 0,
        console_error_count  bigint NOT NULL DEFAULT 0,
        failed_request_count bigint NOT NULL DEFAULT 0,
        urls                 text[] NOT NULL DEFAULT '{}',
        event_names          text[] NOT NULL DEFAULT '{}',
        -- The last pageID handed out: taken under the row's lock, so pages are numbered 1, 2, 3… on any instance.
        page_count           integer NOT NULL DEFAULT 0
      );
      -- The listing: newest first, paged with "before".
      CREATE INDEX sessions_by_start ON sessions (started_at DESC, session_id DESC);
      CREATE INDEX sessions_by_user ON sessions (user_id, started_at DESC) WHERE user_id IS NOT NULL;
      -- Retention.
      CREATE INDEX sessions_by_activity ON sessions (last_activity_at);

      CREATE TABLE pages (
        session_id      text NOT NULL REFERENCES sessions ON DELETE CASCADE,
        page_id         integer NOT NULL,
        url             text NOT NULL,
        referrer        text NOT NULL,
        started_at      bigint NOT NULL,
        event_count     bigint NOT NULL DEFAULT 0,
        viewport        jsonb,
        tracker_version text,
        PRIMARY KEY (session_id, page_id)
      );

      -- One row per stored batch: the primary key is what stores each
      -- (session, page, seq) once, whichever instance gets it first.
      CREATE TABLE batches (
        session_id  text NOT NULL,
        page_id     integer NOT NULL,
        seq         integer NOT NULL,
        event_count integer NOT NULL,
        bytes       integer NOT NULL,
        object_key  text NOT NULL,
        stored_at   bigint NOT NULL,
        PRIMARY KEY (session_id, page_id, seq),
        FOREIGN KEY (session_id, page_id) REFERENCES pages ON DELETE CASCADE
      );

      -- Tombstones: a batch arriving after an erasure is refused, not stored.
      CREATE TABLE erased_sessions (
        session_id text PRIMARY KEY,
        erased_at  bigint NOT NULL
      );

      -- Sessions whose rows are gone and whose objects are being deleted: a
      -- collector stopped halfway leaves the rest to the next sweep.
      CREATE TABLE pending_object_removals (
        session_id text PRIMARY KEY,
        since      bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'frustration counts and the record-on-error trigger',
    sql: `
      ALTER TABLE sessions
        ADD COLUMN rage_click_count  bigint NOT NULL DEFAULT 0,
        ADD COLUMN dead_click_count  bigint NOT NULL DEFAULT 0,
        ADD COLUMN error_click_count bigint NOT NULL DEFAULT 0,
        ADD COLUMN trigger           text;
    `,
  },
  {
    version: 3,
    name: 'packs: the batches stored together share one object',
    sql: `
      -- Where the batch starts in its object; null for a batch that is a
      -- whole object of its own (sessions/<sessionID>/…, before packs).
      ALTER TABLE batches ADD COLUMN object_offset integer;
      -- What a pack review looks up: the batches still held by a pack.
      CREATE INDEX batches_by_pack ON batches (object_key) WHERE object_offset IS NOT NULL;

      -- Packs that may hold bytes no batch row names: one being written
      -- (until its transaction commits, or a crash is presumed after a grace
      -- period), or one that lost batches to an erasure, retention or a
      -- duplicate. A review deletes or rewrites it, then the note.
      CREATE TABLE pack_notes (
        object_key text PRIMARY KEY,
        state      text NOT NULL CHECK (state IN ('writing', 'review')),
        since      bigint NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'access: login sessions and links, the audit log',
    sql: `
      -- By the hash of their secret id: a copy of the table opens no login.
      CREATE TABLE logins (
        id_hash    text PRIMARY KEY,
        kind       text NOT NULL CHECK (kind IN ('session', 'link')),
        key_name   text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX logins_by_expiry ON logins (expires_at);

      -- Who did what, when, from where; never event content. Erasure keeps
      -- these rows: they are what proves it.
      CREATE TABLE audit_log (
        id          bigserial PRIMARY KEY,
        at          bigint NOT NULL,
        actor       text,
        action      text NOT NULL,
        address     text NOT NULL,
        session_id  text,
        user_id     text,
        project_key text,
        detail      text
      );
      CREATE INDEX audit_by_time ON audit_log (at DESC, id DESC);
      CREATE INDEX audit_by_session ON audit_log (session_id, at DESC) WHERE session_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'live sessions: presence, state log, frames by reference (Assist across collectors)',
    sql: `
      -- About sockets open now (live/createPostgresLiveBus.ts): nothing here
      -- means anything after a database crash, so no WAL is written for it.
      CREATE UNLOGGED TABLE live_tabs (
        channel    text PRIMARY KEY,
        session_id text NOT NULL,
        tab_id     text NOT NULL,
        collector  text NOT NULL,
        url        text NOT NULL,
        visible    boolean NOT NULL,
        since      bigint NOT NULL,
        seen_at    bigint NOT NULL
      );
      CREATE INDEX live_tabs_by_session ON live_tabs (session_id);
      CREATE UNLOGGED TABLE live_agents (
        agent      text PRIMARY KEY,
        session_id text NOT NULL,
        name       text NOT NULL,
        collector  text NOT NULL,
        seen_at    bigint NOT NULL
      );
      CREATE INDEX live_agents_by_session ON live_agents (session_id);
      CREATE UNLOGGED TABLE live_subscribers (
        session_id text NOT NULL,
        collector  text NOT NULL,
        seen_at    bigint NOT NULL,
        PRIMARY KEY (session_id, collector)
      );
      CREATE UNLOGGED TABLE live_log (
        seq        bigserial PRIMARY KEY,
        session_id text NOT NULL,
        message    jsonb NOT NULL
      );
      CREATE INDEX live_log_by_session ON live_log (session_id, seq);
      CREATE UNLOGGED TABLE live_frames (
        id         bigserial PRIMARY KEY,
        session_id text NOT NULL,
        payload    text NOT NULL,
        remaining  integer NOT NULL,
        created_at bigint NOT NULL
      );
    `,
  },
];
