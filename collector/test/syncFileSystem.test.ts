// The file storage's syncfs: one helper shell started once does every
// `sync -f`, so that the collector is never forked for one (lib/syncFileSystem.ts).
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {test} from 'node:test';
import {openFileSystemSync} from '../lib/syncFileSystem';
import {syncCounts} from '../lib/syncCounts';
import {tempDir} from './helpers';

// This process's children that are a shell, from /proc.
function helperShells(): number[] {
  return readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8').trim();
      const [, command, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat)!;
      const parent = Number(rest.split(' ')[1]);
      return parent === process.pid && command === 'sh' ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), 'timed out');
}

test('every syncfs goes through one helper shell, however many are asked for at once', async (t) => {
  const sync = await openFileSystemSync(await tempDir());
  if (sync.mode !== 'syncfs') return t.skip('no sync -f here');
  const before = syncCounts().filesystem;
  await Promise.all(Array.from({length: 20}, () => sync.sync([], [])));
  assert.equal(syncCounts().filesystem - before, 20);
  assert.equal(helperShells().length, 1);
  sync.close();
  await waitFor(() => helperShells().length === 0);
});

test('a helper shell that died is started again by the next sync', async (t) => {
  const sync = await openFileSystemSync(await tempDir());
  if (sync.mode !== 'syncfs') return t.skip('no sync -f here');
  await sync.sync([], []);
  const [first] = helperShells();
  process.kill(first, 'SIGKILL');
  await waitFor(() => !helperShells().includes(first));
  await sync.sync([], []);
  const [second] = helperShells();
  assert.ok(second && second !== first);
  sync.close();
  await waitFor(() => helperShells().length === 0);
});

test('a sync under way when the helper shell dies fails with EIO instead of hanging', async (t) => {
  const sync = await openFileSystemSync(await tempDir());
  if (sync.mode !== 'syncfs') return t.skip('no sync -f here');
  await sync.sync([], []);
  const [shell] = helperShells();
  // Stopped, the shell reads no request: the sync waits until the kill.
  process.kill(shell, 'SIGSTOP');
  const waiting = sync.sync([], []);
  process.kill(shell, 'SIGKILL');
  await assert.rejects(waiting, (error: NodeJS.ErrnoException) => error.code === 'EIO');
  sync.close();
});
