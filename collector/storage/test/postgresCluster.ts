// A throwaway PostgreSQL for tests: a cluster in a temporary directory, on a
// free port of 127.0.0.1, its socket inside that directory, stopped and
// removed afterwards. Uses Debian's server binaries (`postgresql` package);
// initdb and postgres refuse to run as root, so as root they run as the
// `postgres` user the package creates. Each test gets a database of its own
// (`createDatabase`), which is much cheaper than a cluster.
//
// Where the server binaries are missing the PostgreSQL tests are skipped and
// say why, unless REQUIRE_POSTGRES=1 (as .ci/run sets): then they run, and
// fail, rather than let CI pass without them.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import pg from 'pg';

export interface PostgresCluster {
  /** postgres://… of a new, empty database. */
  createDatabase(): Promise<string>;
  /**
   * Freezes the server and every backend (SIGSTOP): a database that hangs,
   * as in a network partition or a stalled disk, rather than one that
   * refuses. Connections are still accepted by the kernel, and never answered.
   */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
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

/**
 * Why the PostgreSQL tests cannot run here, or false when they must run:
 * the binaries are installed, or REQUIRE_POSTGRES=1 says that running
 * without them is a failure, not a skip.
 */
export function skipWithoutPostgres(env: NodeJS.ProcessEnv = process.env, binaries: string | null = findPostgresBinaries()): string | false {
  if (binaries || env.REQUIRE_POSTGRES === '1') return false;
  return `${POSTGRES_MISSING} (REQUIRE_POSTGRES=1 turns this skip into a failure)`;
}

/**
 * Where a cluster's directory goes: the temporary directory, if the server's
 * user can reach it, else /tmp. As root, TMPDIR is often under /root (mode
 * 700), which the `postgres` user cannot enter, and initdb would fail there.
 */
export function clusterParentDir(user?: {uid: number; gid: number}): string {
  const preferred = resolve(tmpdir());
  if (!user || [preferred, ...ancestors(preferred)].every((dir) => canEnter(dir, user))) return preferred;
  return '/tmp';
}

function ancestors(dir: string): string[] {
  const found: string[] = [];
  for (let parent = dirname(dir); parent !== dir; dir = parent, parent = dirname(dir)) found.push(parent);
  return found;
}

function canEnter(dir: string, {uid, gid}: {uid: number; gid: number}): boolean {
  try {
    const {mode, uid: owner, gid: group} = statSync(dir);
    if (owner === uid) return (mode & 0o100) !== 0;
    if (group === gid) return (mode & 0o010) !== 0;
    return (mode & 0o001) !== 0;
  } catch {
    return false;
  }
}

/** `settings`: more server settings (`-c name=value`), such as the bench's shared_buffers. */
export async function startPostgresCluster({settings = {}}: {settings?: Record<string, string>} = {}): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const asRoot = process.getuid?.() === 0;
  let serverUser: {uid: number; gid: number} | undefined;
  if (asRoot) {
    // Debian's package creates the user; binaries installed another way may come without it.
    try {
      execFileSync('id', ['postgres'], {stdio: 'ignore'});
    } catch {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {stdio: 'ignore'});
    }
    serverUser = {uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim())};
  }
  const dir = mkdtempSync(join(clusterParentDir(serverUser), 'pg-test-'));
  const dataDir = join(dir, 'data');
  if (serverUser) chownSync(dir, serverUser.uid, serverUser.gid);
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
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
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
  const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // The server and its children (backends, checkpointer, writers): all of them, or a live backend would still answer.
  const serverProcesses = () => {
    const postmaster = postmasterPid();
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
    return [postmaster, ...children];
  };
  let frozen: number[] = [];
  const thaw = () => {
    // runuser stops itself when the server it runs is stopped (as su does), and must be woken too.
    if (frozen.length && running.pid) frozen.push(running.pid);
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone meanwhile.
      }
    }
    frozen = [];
  };
  // A test process that ends without stop() (a failure, a timeout) takes its cluster with it.
  const orphaned = () => {
    thaw();
    try {
      process.kill(postmasterPid(), 'SIGQUIT');
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
    freeze() {
      frozen = serverProcesses();
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    async stop() {
      process.off('exit', orphaned);
      // A frozen server would never get to its shutdown.
      thaw();
      if (running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        // SIGINT is PostgreSQL's "fast shutdown": connections are cut, nothing
        // is waited for. Sent to the server itself: runuser does not pass it on.
        try {
          process.kill(postmasterPid(), 'SIGINT');
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
