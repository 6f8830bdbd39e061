// A throwaway PostgreSQL for tests: a cluster in a temporary directory, on a
// free port of 127.0.0.1, its socket inside that directory, stopped and
// removed afterwards. Uses Debian's server binaries (`postgresql` package);
// initdb and postgres refuse to run as root, so as root they run as the
// `postgres` user the package creates. Each test gets a database of its own
// (`createDatabase`), which is much cheaper than a cluster.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** postgres://… of a new, empty database. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** Where Debian keeps the server binaries, newest version first; null when PostgreSQL is not installed. */
export function findPostgresBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')) && existsSync(join(root, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export const POSTGRES_MISSING = 'PostgreSQL server binaries are not installed (/usr/lib/postgresql/*/bin): apt-get install postgresql, as .ci/run does';

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const dataDir = join(dir, 'data');
  if (asRoot) {
    // Debian's package creates the user; binaries installed another way may come without it.
    try {
      execFileSync('id', ['postgres'], {stdio: 'ignore'});
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {stdio: 'ignore'});
    }
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), Number(execFileSync('id', ['-g', 'postgres']).toString().trim()));
  }
  // As root: the same command, as the unprivileged user.
  const command = (file: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, file), ...args]] : [join(bin, file), args]);

  const [initdb, initArgs] = command('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  execFileSync(initdb, initArgs, {stdio: 'pipe'});

  let server: ChildProcess | null = null;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !server; attempt++) {
    port = await freePort();
    const [postgres, args] = command('postgres', [
      '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      // A test cluster: durability of the database itself is not under test.
      '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ]);
    const child = spawn(postgres, args, {stdio: ['ignore', 'ignore', 'pipe']});
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    if (await ready(port, child)) server = child;
    else if (!/could not bind|in use/i.test(output)) {
      rmSync(dir, {recursive: true, force: true});
      throw new Error(`the test PostgreSQL did not start:\n${output}`);
    }
  }
  if (!server) throw new Error('the test PostgreSQL found no free port');
  const running = server;
  // A test process that ends without stop() (a failure, a timeout) takes its cluster with it.
  const orphaned = () => {
    try {
      process.kill(Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
    } catch {}
  };
  process.once('exit', orphaned);

  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    async createDatabase() {
      const name = `test_${process.pid}_${++databases}`;
      const client = new pg.Client({connectionString: admin});
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.off('exit', orphaned);
      if (running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        // SIGINT is PostgreSQL's "fast shutdown": connections are cut, nothing
        // is waited for. Sent to the server itself: runuser does not pass it on.
        try {
          process.kill(Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
        } catch {
          running.kill('SIGKILL');
        }
        await exited;
      }
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number};
      probe.close(() => resolve(port));
    });
  });
}

async function ready(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    const client = new pg.Client({connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`});
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}
