// `node dist/collector.js keys add|list|remove`: manages the keys file. A key
// is made here, printed once, and only its hash is written; a running
// collector reads the file again within seconds (watchKeysFile.ts).
import {appendFile, readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {hashSecret, keyLine, newSecret, parseKeyLines, ROLES, type Role} from './accessKeys';

export const KEYS_USAGE = `usage: node dist/collector.js keys add NAME ROLE [--project P]... [--data DIR | --keys FILE]
       node dist/collector.js keys list [--data DIR | --keys FILE]
       node dist/collector.js keys remove NAME [--data DIR | --keys FILE]
  ROLE is one of ${ROLES.join(', ')}; without --project the key sees every project`;

/** Runs the command and answers what to print; throws with a sentence to print on error. */
export async function runKeysCommand(argv: string[]): Promise<string> {
  const {values, positionals} = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {data: {type: 'string'}, keys: {type: 'string'}, project: {type: 'string', multiple: true}},
  });
  const file = values.keys ?? join(values.data ?? '.data', 'keys');
  const [verb, name, role] = positionals;
  const text = await readFile(file, 'utf8').catch((error) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const keys = parseKeyLines(text, file);
  if (verb === 'list' && positionals.length === 1) {
    if (!keys.length) return `no access keys in ${file}`;
    return keys.map((key) => `${key.name}\t${key.role}\t${key.projects ? key.projects.join(',') : 'every project'}`).join('\n');
  }
  if (verb === 'add' && positionals.length === 3) {
    if (!ROLES.includes(role as Role)) throw new Error(`role ${JSON.stringify(role)}: give one of ${ROLES.join(', ')}`);
    if (keys.some((key) => key.name === name)) throw new Error(`${file} has a key named ${name} already: remove it first, or pick another name`);
    const secret = newSecret();
    const line = keyLine({name, role: role as Role, projects: values.project?.length ? values.project : null, hash: hashSecret(secret)});
    // Checked by the collector's own parser before it lands in the file.
    parseKeyLines(line, 'the new key');
    await appendFile(file, `${text && !text.endsWith('\n') ? '\n' : ''}${line}\n`, {mode: 0o600});
    return `added ${name} (${role}) to ${file}; the key, shown this once:\n${secret}`;
  }
  if (verb === 'remove' && positionals.length === 2) {
    const lines = text.split('\n');
    const kept = lines.filter((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0] !== name);
    if (kept.length === lines.length) throw new Error(`${file} has no key named ${name}`);
    await writeFile(file, kept.join('\n'), {mode: 0o600});
    return `removed ${name} from ${file}: its logins end within seconds on every collector reading the file`;
  }
  throw new Error(KEYS_USAGE);
}
