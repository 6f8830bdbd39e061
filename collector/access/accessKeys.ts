// Access keys: named secrets with a role, each optionally limited to some
// projects. Only their SHA-256 is kept (a key is 24 random bytes when the
// collector makes it, so a fast hash is enough: there is nothing to guess).
//
// One line per key, in a keys file (`--keys FILE`, default DIR/keys when it
// exists), in TRACKER_KEYS, or in a `--key` flag:
//
//   NAME ROLE PROJECTS sha256:HEX
//   support viewer shop,blog sha256:9f86d0…     # a viewer of two projects
//   ops admin * sha256:2c26b4…                  # an admin of every project
//
// `node dist/collector.js keys add NAME ROLE` makes a key and writes its line
// (accessKeysCommand.ts).
import {createHash, randomBytes} from 'node:crypto';

export const ROLES = ['viewer', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer: list and replay (and watch live); agent: also remote control; admin: also erasure and the audit log. */
export const roleAllows = (held: Role, needed: Role) => ROLES.indexOf(held) >= ROLES.indexOf(needed);

export interface AccessKey {
  name: string;
  role: Role;
  /** The projects it may see; null: every project. */
  projects: string[] | null;
  /** SHA-256 of the secret, hex. */
  hash: string;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A new key's secret: recognisable in a leak scanner's rules by its prefix. */
export const newSecret = () => `trk_${randomBytes(24).toString('base64url')}`;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseKeyLine(line: string, where: string): AccessKey {
  const fields = line.trim().split(/\s+/);
  const [name, role, projects, hash] = fields;
  const usage = `give "NAME ROLE PROJECTS sha256:HEX" (ROLE one of ${ROLES.join(', ')}; PROJECTS * or a comma-separated list)`;
  if (fields.length !== 4) throw new Error(`${where}: ${JSON.stringify(line)}: ${usage}`);
  if (!NAME.test(name)) throw new Error(`${where}: key name ${JSON.stringify(name)}: use letters, digits, ".", "_" and "-" (64 at most)`);
  if (!ROLES.includes(role as Role)) throw new Error(`${where}: key ${name}: role ${JSON.stringify(role)}: ${usage}`);
  const hex = /^sha256:([0-9a-f]{64})$/.exec(hash)?.[1];
  if (!hex) throw new Error(`${where}: key ${name}: ${JSON.stringify(hash)} is not sha256:<64 hex digits>: ${usage}`);
  return {name, role: role as Role, projects: projects === '*' ? null : projects.split(',').filter(Boolean), hash: hex};
}

export const keyLine = (key: AccessKey) => `${key.name} ${key.role} ${key.projects ? key.projects.join(',') : '*'} sha256:${key.hash}`;

/** Lines of a keys file or of TRACKER_KEYS: blank lines and `#` comments are skipped. */
export function parseKeyLines(text: string, where: string): AccessKey[] {
  return text.split('\n').flatMap((line, i) => {
    const content = line.replace(/#.*/, '').trim();
    return content ? [parseKeyLine(content, `${where}:${i + 1}`)] : [];
  });
}

export interface KeyRing {
  /** The key whose secret this is. */
  find(secret: string): AccessKey | undefined;
  byName(name: string): AccessKey | undefined;
  /** Replaces the keys (a keys file changed): logins of a key removed end. */
  replace(keys: AccessKey[]): void;
  readonly size: number;
}

export function createKeyRing(keys: AccessKey[]): KeyRing {
  let byHash = new Map<string, AccessKey>();
  let byName = new Map<string, AccessKey>();
  const ring: KeyRing = {
    find: (secret) => byHash.get(hashSecret(secret)),
    byName: (name) => byName.get(name),
    replace(next) {
      const names = next.map((key) => key.name);
      const repeated = names.find((name, i) => names.indexOf(name) !== i);
      if (repeated) throw new Error(`the access key name ${repeated} is given twice: each key needs a name of its own (the audit log says who by name)`);
      byHash = new Map(next.map((key) => [key.hash, key]));
      byName = new Map(next.map((key) => [key.name, key]));
    },
    get size() {
      return byName.size;
    },
  };
  ring.replace(keys);
  return ring;
}
