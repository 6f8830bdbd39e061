// The PostgreSQL schema, as numbered steps applied in order at start-up
// (migrate.ts). A step, once released, is never edited: a change is a new
// step, so that every database reaches the same schema whatever its age.
//
// Times are ms since 1970 (bigint), as everywhere in the collector.
//
// A step runs in a transaction of its own, unless it says otherwise: an index
// on a table that may already hold millions of rows is built with CREATE
// INDEX CONCURRENTLY, which cannot run in a transaction, in a step of its own.
// Such a build takes no lock that stops writes or reads (collectors of the
// older version keep ingesting meanwhile), and waits for the transactions
// under way when it starts, and for those holding older snapshots before it
// finishes: a long-running transaction elsewhere holds the migration up.
import type {PoolClient} from 'pg';
import {backfillSessionTags} from './backfillSessionTags';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Runs outside a transaction (`CREATE INDEX CONCURRENTLY` cannot run in one). */
  outsideTransaction?: boolean;
  /**
   * The index a step builds concurrently. A build that failed (a collector
   * stopped, a statement cancelled) leaves it INVALID: such an index is
   * dropped and built again, and a valid one is kept (the build finished,
   * but the step was not recorded).
   */
  index?: string;
  /** Said with the error when the step fails: what to do about it. */
  hint?: string;
  /**
   * Work done in many short transactions of its own, in place of `sql`, for
   * a step that must visit every row of a large table (outside a
   * transaction; it must be able to run again).
   */
  apply?: (client: PoolClient, log: (line: string) => void) => Promise<void>;
}

/** A step that builds one index without locking writes out (see above). */
const concurrentIndex = (version: number, name: string, index: string, definition: string): Migration => ({
  version,
  name,
  index,
  outsideTransaction: true,
  sql: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON sessions ${definition}`,
});

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
  {
    version: 6,
    name: 'URL search: the pg_trgm extension and the text its index holds',
    sql: `
      -- Trigrams: the index of every substring of the URLs (listing's ?url=).
      -- A trusted extension since PostgreSQL 13: the database's owner, or a
      -- role with CREATE on the database, may create it; else a superuser
      -- must, once (docs/scaling.md).
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      -- A session's URLs joined by newlines, with the punctuation URLs are
      -- made of turned into letters: pg_trgm takes trigrams within words
      -- only, and so they span a URL's slashes, dots and dashes
      -- (postgres/urlIndexConditions.ts, which does the same in JavaScript).
      -- Not lowercased: pg_trgm ignores case, and the lookups use ILIKE.
      CREATE FUNCTION session_url_search_text(urls text[]) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT replace(replace(replace(replace(replace(replace(replace(replace(replace(
          array_to_string(urls, E'\\n'), '/', 'q'), '.', 'z'), '-', 'x'), '_', 'j'), '?', 'k'), '=', 'v'), '&', 'w'), ':', 'y'), '%', 'f') $$;
    `,
    hint:
      'The collector\'s database role may not create the pg_trgm extension (or it is not installed: Debian and Ubuntu ship it with the server, elsewhere it is the postgresql-contrib package). ' +
      'Have a superuser run `CREATE EXTENSION pg_trgm;` in this database, or grant the role CREATE on the database (PostgreSQL 13 or newer), then start the collector again.',
  },
  concurrentIndex(7, 'the URL index: trigrams of the URLs visited', 'sessions_by_url', 'USING gin (session_url_search_text(urls) gin_trgm_ops)'),
  concurrentIndex(8, 'the metadata index', 'sessions_by_metadata', 'USING gin (metadata jsonb_path_ops)'),
  concurrentIndex(9, 'the index of custom event names', 'sessions_by_event_name', 'USING gin (event_names)'),
  concurrentIndex(
    10,
    'the sessions with errors, newest first',
    'sessions_with_problems',
    '(started_at DESC, session_id DESC) WHERE (error_count > 0 OR console_error_count > 0 OR failed_request_count > 0)',
  ),
  concurrentIndex(
    11,
    'the frustrated sessions, newest first',
    'sessions_frustrated',
    '(started_at DESC, session_id DESC) WHERE (rage_click_count > 0 OR dead_click_count > 0 OR error_click_count > 0)',
  ),
  concurrentIndex(12, "each project's sessions, newest first", 'sessions_by_project', '(project_key, started_at DESC, session_id DESC)'),
  {
    version: 13,
    name: 'statistics for the new indexes',
    // The planner knows nothing of an index expression until the table is
    // analyzed again; autovacuum would, after enough rows change. A sample
    // of 30,000 rows: seconds on millions, and no lock that stops writes.
    sql: 'ANALYZE sessions',
    outsideTransaction: true,
  },
  {
    version: 14,
    name: 'session tags: each metadata pair and event name of a session, newest first',
    // The GIN indexes of metadata and event names find a filter's sessions
    // in no order: the newest 100 of 200,000 that carry an old release tag
    // meant reading all 200,000 (bench/NOTES.md, figure 12). A row per
    // (tag, session) in a btree ordered by tag, then start, gives any tag's
    // sessions newest first (listSessions.ts walks down it). A tag is a
    // 64-bit hash of the pair or the name: fixed size whatever the value's
    // length, and a collision only brings a session the listing's exact
    // check then drops. A trigger keeps the tags of every row as its
    // metadata and event names are, in the statement that changes them, for
    // collectors of any version; step 15 adds those of the rows already there.
    sql: `
      CREATE FUNCTION session_tag(kind text, name text, value text) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT ('x' || left(md5(kind || name || chr(31) || value), 16))::bit(64)::bigint $$;
      CREATE FUNCTION session_tags_of(metadata jsonb, event_names text[]) RETURNS bigint[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT coalesce(array_agg(DISTINCT tag), '{}') FROM (
          SELECT session_tag('m', key, value) AS tag
            FROM jsonb_each_text(CASE WHEN jsonb_typeof(metadata) = 'object' THEN metadata ELSE '{}' END)
          UNION ALL
          SELECT session_tag('e', name, '') FROM unnest(event_names) AS name
        ) AS tags WHERE tag IS NOT NULL $$;
      CREATE TABLE session_tags (
        tag        bigint NOT NULL,
        started_at bigint NOT NULL,
        session_id text NOT NULL,
        PRIMARY KEY (tag, started_at, session_id)
      );
      CREATE FUNCTION sessions_keep_tags() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        old_tags bigint[] := '{}';
        new_tags bigint[] := '{}';
        added bigint[];
      BEGIN
        IF TG_OP <> 'INSERT' THEN old_tags := session_tags_of(OLD.metadata, OLD.event_names); END IF;
        IF TG_OP <> 'DELETE' THEN new_tags := session_tags_of(NEW.metadata, NEW.event_names); END IF;
        -- The same session at the same start: only what changed.
        IF TG_OP = 'UPDATE' AND OLD.session_id = NEW.session_id AND OLD.started_at = NEW.started_at THEN
          added := ARRAY(SELECT unnest(new_tags) EXCEPT SELECT unnest(old_tags));
          old_tags := ARRAY(SELECT unnest(old_tags) EXCEPT SELECT unnest(new_tags));
          new_tags := added;
        END IF;
        IF TG_OP <> 'INSERT' THEN
          DELETE FROM session_tags WHERE tag = ANY (old_tags) AND started_at = OLD.started_at AND session_id = OLD.session_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          INSERT INTO session_tags (tag, started_at, session_id) SELECT tag, NEW.started_at, NEW.session_id FROM unnest(new_tags) AS tag
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER sessions_tags_inserted AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_keep_tags();
      CREATE TRIGGER sessions_tags_deleted AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_keep_tags();
      -- Batches update every session they belong to: the tags only when they change.
      CREATE TRIGGER sessions_tags_updated AFTER UPDATE ON sessions FOR EACH ROW
        WHEN (OLD.metadata IS DISTINCT FROM NEW.metadata OR OLD.event_names IS DISTINCT FROM NEW.event_names
          OR OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.session_id IS DISTINCT FROM NEW.session_id)
        EXECUTE FUNCTION sessions_keep_tags();
    `,
  },
  {
    version: 15,
    name: 'session tags of the sessions already stored',
    sql: '',
    outsideTransaction: true,
    apply: backfillSessionTags,
  },
  {
    version: 16,
    name: 'statistics for the session tags',
    sql: 'ANALYZE session_tags',
    outsideTransaction: true,
  },
];
