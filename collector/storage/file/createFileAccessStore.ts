// The file backend's part of access: logins and the audit log.
//
//   <dataDir>/access/
//     logins.json    the login sessions and links not yet expired, by the hash
//                    of their id; rewritten whole, atomically and durably, on
//                    each change (there are few: one per person logged in)
//     audit.jsonl    the audit log, one JSON line per entry, appended and
//                    fdatasync'd before the entry counts as written
//
// Both are also held in memory, as the sessions are. One collector process
// owns a data directory, so nothing here locks.
import {mkdir, open, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import type {AuditEntry, StoredLogin, Storage} from '../storage';

export interface FileAccessStore extends Pick<Storage, 'putLogin' | 'getLogin' | 'takeLogin' | 'appendAudit' | 'listAudit'> {
  close(): Promise<void>;
}

export async function createFileAccessStore(dataDir: string): Promise<FileAccessStore> {
  const dir = join(dataDir, 'access');
  await mkdir(dir, {recursive: true, mode: 0o700});
  const loginsFile = join(dir, 'logins.json');
  const auditFile = join(dir, 'audit.jsonl');

  const logins = new Map<string, StoredLogin>();
  for (const login of (await readJson(loginsFile)) as StoredLogin[]) logins.set(login.idHash, login);
  const audit = await readAuditLines(auditFile);
  const auditHandle = await open(auditFile, 'a', 0o600);

  // One write at a time, each of the state as it is when the write begins:
  // a change resolves once a write that holds it is durable.
  let loginsWritten: Promise<void> = Promise.resolve();
  const saveLogins = () => {
    const now = Date.now();
    for (const [idHash, login] of logins) if (login.expiresAt <= now) logins.delete(idHash);
    loginsWritten = loginsWritten.catch(() => {}).then(() => writeFileAtomic(loginsFile, JSON.stringify([...logins.values()])));
    return loginsWritten;
  };
  let auditWritten: Promise<void> = Promise.resolve();

  return {
    async putLogin(login) {
      logins.set(login.idHash, login);
      await saveLogins();
    },

    async getLogin(idHash, now) {
      const login = logins.get(idHash);
      return login && login.expiresAt > now ? login : undefined;
    },

    async takeLogin(idHash) {
      const login = logins.get(idHash);
      if (!login) return undefined;
      logins.delete(idHash);
      await saveLogins();
      return login;
    },

    appendAudit(entry) {
      const line = JSON.stringify(entry) + '\n';
      auditWritten = auditWritten.catch(() => {}).then(async () => {
        await auditHandle.write(line);
        await auditHandle.datasync();
        audit.push(entry);
      });
      return auditWritten;
    },

    async listAudit(query) {
      const found: AuditEntry[] = [];
      for (let i = audit.length - 1; i >= 0 && found.length < query.limit; i--) {
        const entry = audit[i];
        if (query.before !== undefined && entry.at >= query.before) continue;
        if (query.sessionID !== undefined && entry.sessionID !== query.sessionID) continue;
        found.push(entry);
      }
      return found;
    },

    async close() {
      await Promise.allSettled([loginsWritten, auditWritten]);
      await auditHandle.close();
    },
  };
}

async function readJson(path: string): Promise<unknown[]> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8'));
    return Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path} cannot be read (${(error as Error).message}): remove it to log everybody out and start afresh`);
  }
}

// A crash in the middle of an append leaves a torn last line: it was never
// acknowledged, and is skipped.
async function readAuditLines(path: string): Promise<AuditEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').flatMap((line) => {
    if (!line) return [];
    try {
      return [JSON.parse(line) as AuditEntry];
    } catch {
      return [];
    }
  });
}
