// What the handlers need from storage. The file backend (fileStorage.ts) is
// the embedded default; another backend implements the same interface.

export interface PageRecord {
  pageID: number;
  url: string;
  startedAt: number;
  eventCount: number;
}

export interface Vital {
  value: number;
  rating: string;
}

export interface SessionRecord {
  sessionID: string;
  projectKey: string;
  userID: string | null;
  userUUID: string;
  metadata: Record<string, string>;
  startedAt: number;
  lastActivityAt: number;
  lastEventAt: number;
  customEventCount: number;
  vitals: Record<string, Vital>;
  assistOnly: boolean;
  pages: PageRecord[];
}

export interface SessionFilter {
  userID?: string;
  meta?: {key: string; value: string};
  before?: number;
  limit: number;
}

export interface StoredBatch {
  duplicate: boolean;
}

export interface Storage {
  /** Loads the index; called once before serving. */
  open(): Promise<void>;
  createSession(session: Omit<SessionRecord, 'pages'>): Promise<SessionRecord>;
  getSession(sessionID: string): SessionRecord | null;
  addPage(sessionID: string, url: string, startedAt: number): Promise<PageRecord>;
  /** Marks the session changed; written soon (debounced), and on close. */
  touch(session: SessionRecord): void;
  listSessions(filter: SessionFilter): SessionRecord[];
  /**
   * Stores a batch once per (page, seq), durably (written, synced, renamed)
   * before resolving. `json` is the batch's array text.
   */
  putBatch(sessionID: string, pageID: number, seq: number, eventCount: number, json: string): Promise<StoredBatch>;
  /** The page's events as one JSON array text, batches in seq order. */
  readPageEvents(sessionID: string, pageID: number): Promise<string>;
  close(): Promise<void>;
}
