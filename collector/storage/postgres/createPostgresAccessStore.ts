// The PostgreSQL backend's part of access: logins (shared, so that a login
// made through one collector is honoured by the others) and the audit log.
// Tables `logins` and `audit_log` (migrations.ts, step 4).
import type {AuditEntry, AuditQuery, StoredLogin} from '../storage';

type Run = (text: string, values: unknown[]) => Promise<{rows: any[]}>;

const toLogin = (row: any): StoredLogin => ({
  idHash: row.id_hash,
  kind: row.kind,
  keyName: row.key_name,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
});

const toEntry = (row: any): AuditEntry => {
  const entry: AuditEntry = {at: Number(row.at), actor: row.actor, action: row.action, address: row.address};
  if (row.session_id !== null) entry.sessionID = row.session_id;
  if (row.user_id !== null) entry.userID = row.user_id;
  if (row.project_key !== null) entry.projectKey = row.project_key;
  if (row.detail !== null) entry.detail = row.detail;
  return entry;
};

export function createPostgresAccessStore(run: Run) {
  return {
    async putLogin(login: StoredLogin): Promise<void> {
      // Expired logins go as new ones come: the table holds what is alive.
      await run('DELETE FROM logins WHERE expires_at <= $1', [login.createdAt]);
      await run('INSERT INTO logins (id_hash, kind, key_name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        login.idHash,
        login.kind,
        login.keyName,
        login.createdAt,
        login.expiresAt,
      ]);
    },

    async getLogin(idHash: string, now: number): Promise<StoredLogin | undefined> {
      const {rows} = await run('SELECT * FROM logins WHERE id_hash = $1 AND expires_at > $2', [idHash, now]);
      return rows.length ? toLogin(rows[0]) : undefined;
    },

    async takeLogin(idHash: string): Promise<StoredLogin | undefined> {
      // One statement: of two collectors taking the same link, one gets the row.
      const {rows} = await run('DELETE FROM logins WHERE id_hash = $1 RETURNING *', [idHash]);
      return rows.length ? toLogin(rows[0]) : undefined;
    },

    async appendAudit(entry: AuditEntry): Promise<void> {
      await run(
        `INSERT INTO audit_log (at, actor, action, address, session_id, user_id, project_key, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [entry.at, entry.actor, entry.action, entry.address, entry.sessionID ?? null, entry.userID ?? null, entry.projectKey ?? null, entry.detail ?? null],
      );
    },

    async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
      const where: string[] = [];
      const values: unknown[] = [];
      const value = (v: unknown) => `$${values.push(v)}`;
      if (query.before !== undefined) where.push(`at < ${value(query.before)}`);
      if (query.sessionID !== undefined) where.push(`session_id = ${value(query.sessionID)}`);
      const {rows} = await run(
        `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ${value(query.limit)}`,
        values,
      );
      return rows.map(toEntry);
    },
  };
}
