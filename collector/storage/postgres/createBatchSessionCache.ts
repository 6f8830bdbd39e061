// sessionForBatch's cache: what a batch is checked against (a session's
// project, assist-only flag and pages), kept by each collector. These never
// change but for pages added; whatever removes a session here forgets it,
// and a batch for a session another collector removed meanwhile is found
// out when its pack is committed (createPostgresBatchStore.ts).
import type {BatchSession} from '../storage';

// Sessions whose batch checks are answered from memory (the least recently stored dropped first).
const BATCH_SESSIONS_CACHED = 10_000;

export interface BatchSessionCache {
  /** The session as cached, if the record knows this page; it becomes the most recently used. */
  get(sessionID: string, pageID: number): BatchSession | undefined;
  remember(session: BatchSession): void;
  forget(sessionIDs: Iterable<string>): void;
}

export function createBatchSessionCache(): BatchSessionCache {
  // In the order of use (a Map keeps insertion order).
  const batchSessions = new Map<string, BatchSession>();
  return {
    get(sessionID, pageID) {
      const cached = batchSessions.get(sessionID);
      if (cached && cached.pages.length >= pageID) {
        batchSessions.delete(sessionID);
        batchSessions.set(sessionID, cached);
        return cached;
      }
      return undefined;
    },

    remember({sessionID, projectKey, assistOnly, pages}) {
      batchSessions.set(sessionID, {sessionID, projectKey, assistOnly, pages});
      if (batchSessions.size > BATCH_SESSIONS_CACHED) batchSessions.delete(batchSessions.keys().next().value!);
    },

    forget(sessionIDs) {
      for (const id of sessionIDs) batchSessions.delete(id);
    },
  };
}
