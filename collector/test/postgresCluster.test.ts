// The throwaway PostgreSQL of the tests (storage/test/postgresCluster.ts):
// when its tests skip, and where its cluster goes.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import pg from 'pg';
import {clusterParentDir, findPostgresBinaries, skipWithoutPostgres, startPostgresCluster} from '../storage/test/postgresCluster';

test('without PostgreSQL installed its tests are skipped, saying why', () => {
  assert.match(skipWithoutPostgres({}, null) as string, /PostgreSQL server binaries are not installed.*REQUIRE_POSTGRES=1/);
  assert.equal(skipWithoutPostgres({}, '/usr/lib/postgresql/15/bin'), false);
});

test('with REQUIRE_POSTGRES=1 the PostgreSQL tests run, and fail, where it is not installed', () => {
  assert.equal(skipWithoutPostgres({REQUIRE_POSTGRES: '1'}, null), false);
});

/** Runs `work` with TMPDIR set to a new directory of this mode. */
function withTmpdirOfMode<T>(mode: number, work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'tmpdir-'));
  chmodSync(dir, mode);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  const restore = () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(dir, {recursive: true, force: true});
  };
  try {
    const result = work(dir);
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  } catch (error) {
    restore();
    throw error;
  }
}

// An owner other than root's own: what the postgres user is to a TMPDIR root made.
const OTHER_USER = {uid: 65_534, gid: 65_534};

test('a cluster goes under TMPDIR when the server\'s user can enter it, else under /tmp', () => {
  withTmpdirOfMode(0o755, (dir) => assert.equal(clusterParentDir(OTHER_USER), dir));
  withTmpdirOfMode(0o700, () => assert.equal(clusterParentDir(OTHER_USER), '/tmp'));
  // Not run as another user: TMPDIR as it is.
  withTmpdirOfMode(0o700, (dir) => assert.equal(clusterParentDir(), dir));
});

const asRootWithPostgres = process.getuid?.() === 0 && findPostgresBinaries() !== null;
test('as root, a cluster starts although TMPDIR is a directory the postgres user cannot enter', {skip: !asRootWithPostgres && 'needs root and the PostgreSQL server binaries'}, () =>
  withTmpdirOfMode(0o700, async () => {
    const cluster = await startPostgresCluster();
    try {
      const client = new pg.Client({connectionString: await cluster.createDatabase()});
      await client.connect();
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      await client.end();
    } finally {
      await cluster.stop();
    }
  }),
);
