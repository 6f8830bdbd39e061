// Where the file storage keeps what under the data directory (the tree at
// the top of createFileStorage.ts), named once for every module of it.
import {join} from 'node:path';

export interface FileLayout {
  sessionsDir: string;
  erasedDir: string;
  trashDir: string;
  journalDir: string;
  cleanMarker: string;
  sessionDir(sessionID: string): string;
  pageDir(sessionID: string, pageID: number): string;
}

/** The session record's name inside its session's directory. */
export const SESSION_FILE = 'session.json';

export function fileLayout(dataDir: string): FileLayout {
  const sessionsDir = join(dataDir, 'sessions');
  return {
    sessionsDir,
    erasedDir: join(dataDir, 'erased'),
    trashDir: join(dataDir, 'trash'),
    journalDir: join(dataDir, 'journal'),
    cleanMarker: join(dataDir, 'clean-shutdown'),
    sessionDir: (sessionID) => join(sessionsDir, sessionID),
    pageDir: (sessionID, pageID) => join(sessionsDir, sessionID, String(pageID)),
  };
}
