// A full disk, for real when the test may mount a tiny tmpfs (as root: CI),
// else as a write error injected into the file storage (ENOSPC, what the
// disk would say).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdtemp, open, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createFileStorage} from '../storage/file/createFileStorage';
import {startCollector} from '../server';
import type {Storage} from '../storage/storage';
import type {RunningCollector} from '../types';
import {ADMIN, ADMIN_KEY, events, getJson, sendBatch, startSession} from './helpers';
import {handshakeFrom, send} from './opsHelpers';

interface Disk {
  kind: string;
  dataDir: string;
  /** Another storage when the disk cannot really fill. */
  storage?: Storage;
  fill(): Promise<void>;
  free(): Promise<void>;
  remove(): Promise<void>;
}

async function tinyTmpfs(): Promise<Disk | null> {
  const mountPoint = await mkdtemp(join(tmpdir(), 'collector-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], {stdio: 'ignore'});
  } catch {
    await rm(mountPoint, {recursive: true, force: true});
    return null;
  }
  const filler = join(mountPoint, 'filler');
  return {
    kind: 'a 2 MiB tmpfs',
    dataDir: join(mountPoint, 'data'),
    async fill() {
      const handle = await open(filler, 'a');
      try {
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (;;) await handle.write(chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await handle.close();
      }
    },
    free: () => rm(filler),
    async remove() {
      execFileSync('umount', [mountPoint]);
      await rm(mountPoint, {recursive: true, force: true});
    },
  };
}

async function injectedFullDisk(): Promise<Disk> {
  const dataDir = await mkdtemp(join(tmpdir(), 'collector-full-disk-'));
  const files = await createFileStorage(dataDir);
  let full = false;
  const noSpace = () => Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
  const refuseWhenFull = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => async (...args: A) => {
    if (full) throw noSpace();
    return write(...args);
  };
  const storage: Storage = {
    ...files,
    createSession: refuseWhenFull(files.createSession),
    addPage: refuseWhenFull(files.addPage),
    putBatch: refuseWhenFull(files.putBatch),
    putLogin: refuseWhenFull(files.putLogin),
    appendAudit: refuseWhenFull(files.appendAudit),
  };
  return {
    kind: 'injected ENOSPC (tmpfs not mountable here)',
    dataDir,
    storage,
    fill: async () => void (full = true),
    free: async () => void (full = false),
    remove: () => rm(dataDir, {recursive: true, force: true}),
  };
}

// Larger than the slack a full file system may still have in the blocks its
// files already hold (the journal's last block would take a small batch).
const heavy = (count: number, from: number) => events(count, from).map((event) => ({...event, data: {...(event.data as object), padding: 'x'.repeat(16 * 1024)}}));

const metric = async (url: string, line: RegExp) => Number(line.exec((await send(url, '/metrics', {method: 'GET', headers: ADMIN})).text)?.[1] ?? NaN);

test('a full disk answers 503 with Retry-After, acknowledges nothing it did not store, keeps listing sessions, and recovers when space frees', async (t) => {
  const disk = (await tinyTmpfs()) ?? (await injectedFullDisk());
  t.diagnostic(`full disk: ${disk.kind}`);
  let collector: RunningCollector | null = null;
  try {
    collector = await startCollector({adminKey: ADMIN_KEY, dataDir: disk.dataDir, storage: disk.storage, logError: () => {}});
    const {url} = collector;
    const grant = await startSession(url);
    assert.equal((await sendBatch(url, grant.sessionToken, 1, 0, events(3))).status, 200);
    await disk.fill();

    const refused = await sendBatch(url, grant.sessionToken, 1, 1, heavy(5, 3));
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(refused.json.error, /cannot store right now.*try again/);
    // A new session, and a new page of this one, are refused alike, and leave nothing behind.
    assert.equal((await handshakeFrom(url, undefined)).status, 503);
    assert.equal((await handshakeFrom(url, undefined, {token: grant.sessionToken})).status, 503);

    // Reads go on, and show only what was acknowledged.
    const {status, json: listed} = await getJson(url, '/api/sessions');
    assert.equal(status, 200, JSON.stringify(listed));
    assert.deepEqual(
      listed.sessions.map((session: any) => [session.sessionID, session.pages.map((page: any) => page.eventCount)]),
      [[grant.sessionID, [3]]],
    );
    // A replay is read only once the audit log holds who read it: refused while nothing can be written.
    const unaudited = await getJson(url, `/api/sessions/${grant.sessionID}/events`);
    assert.equal(unaudited.status, 503);
    assert.ok(Number(unaudited.headers.get('retry-after')) >= 1);
    assert.equal(await metric(url, /^collector_storage_available (\d+)$/m), 0);
    assert.ok((await metric(url, /^collector_storage_errors_total\{operation="putBatch",kind="unavailable"\} (\d+)$/m)) >= 1);

    await disk.free();
    // The tracker's retry of the refused batch, then the next one.
    assert.deepEqual((await sendBatch(url, grant.sessionToken, 1, 1, heavy(5, 3))).json, {ok: true, duplicate: false});
    assert.equal((await sendBatch(url, grant.sessionToken, 1, 2, events(2, 8))).status, 200);
    const resumed = await handshakeFrom(url, undefined, {token: grant.sessionToken});
    assert.equal(resumed.status, 200);
    assert.equal(resumed.json.pageID, 2, 'the refused handshake took no page');
    assert.equal(await metric(url, /^collector_storage_available (\d+)$/m), 1);
    assert.deepEqual((await getJson(url, `/api/sessions/${grant.sessionID}/events`)).json.pages[0].events, [...events(3), ...heavy(5, 3), ...events(2, 8)]);

    await collector.close();
    collector = null;
    // What is on disk after a restart is exactly what was acknowledged.
    if (!disk.storage) {
      assert.deepEqual(await readdir(join(disk.dataDir, 'sessions')), [grant.sessionID]);
      assert.deepEqual((await readdir(join(disk.dataDir, 'sessions', grant.sessionID, '1'))).sort(), ['000000.3.json', '000001.5.json', '000002.2.json']);
    }
    collector = await startCollector({adminKey: ADMIN_KEY, dataDir: disk.dataDir, storage: disk.storage ? await createFileStorage(disk.dataDir) : undefined});
    const session = (await getJson(collector.url, `/api/sessions/${grant.sessionID}/events`)).json;
    assert.deepEqual(session.pages[0].events, [...events(3), ...heavy(5, 3), ...events(2, 8)]);
    assert.deepEqual(session.pages.map((page: any) => page.pageID), [1, 2]);
  } finally {
    await collector?.close();
    await disk.remove();
  }
});
