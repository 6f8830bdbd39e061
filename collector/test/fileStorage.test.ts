// The storage conformance suite against the embedded file backend.
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {test} from 'node:test';
import {createFileStorage} from '../storage/file/createFileStorage';
import {listSegments, readSegment} from '../storage/file/journal';
import {storageConformance} from '../storage/test/conformance';
import {syncCounts} from '../lib/syncCounts';
import {openFileSystemSync} from '../lib/syncFileSystem';
import {tempDir} from './helpers';

const BATCH_FILE = /^(\d+)\.\d+\.json(\.gz)?$/;

// Every batch body of the session anywhere under the data directory: its page
// files, the trash, and the journal (which holds a batch until a checkpoint),
// one per page and seq.
async function storedBatches(dataDir: string, sessionID: string): Promise<number> {
  const found = new Set<string>();
  const walk = async (dir: string, where: string) => {
    for (const entry of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${where}/${entry.name}`);
      else if (BATCH_FILE.test(entry.name)) found.add(`${where}/${Number(BATCH_FILE.exec(entry.name)![1])}`);
    }
  };
  await walk(join(dataDir, 'sessions', sessionID), '');
  await walk(join(dataDir, 'trash'), 'trash');
  const journal = join(dataDir, 'journal');
  for (const segment of await listSegments(journal)) {
    for (const record of await readSegment(journal, segment)) {
      if (record.sessionID === sessionID) found.add(`/${record.pageID}/${record.seq}`);
    }
  }
  return found.size;
}

storageConformance('files under the data directory', async () => {
  const dataDir = await tempDir();
  const storage = await createFileStorage(dataDir, {checkpointMs: 10});
  return {
    storage,
    concurrent: false,
    another: () => createFileStorage(dataDir, {checkpointMs: 10}),
    storedBodies: (sessionID) => storedBatches(dataDir, sessionID),
    async crashWhileStoring({sessionID, pageID, seq, body}) {
      await storage.close();
      // What a process killed inside writeFileAtomic leaves: a temporary file, and no clean-shutdown marker.
      const pageDir = join(dataDir, 'sessions', sessionID, String(pageID));
      await mkdir(pageDir, {recursive: true});
      await writeFile(join(pageDir, `${String(seq).padStart(6, '0')}.3.json.999.1.tmp`), body.subarray(0, body.length / 2));
      await rm(join(dataDir, 'clean-shutdown'), {force: true});
    },
  };
});

test('page files are synced a few MiB at a time as they are written, not only at a checkpoint', async () => {
  const dataDir = await tempDir();
  // No checkpoint runs during the test: every syncfs counted is writeback.
  const storage = await createFileStorage(dataDir, {checkpointMs: 3_600_000});
  try {
    const session = await storage.createSession({sessionID: `wb${process.pid}`, projectKey: 'demo', userID: null, userUUID: 'uuid-wb', metadata: {}, startedAt: Date.now(), assistOnly: false});
    await storage.addPage(session.sessionID, {url: 'http://shop.test/', referrer: '', startedAt: Date.now()});
    const before = syncCounts().filesystem;
    // 12 MiB of page files, 256 KiB a batch (random bytes: stored as sent).
    const body = Buffer.from(JSON.stringify([{type: 3, timestamp: 1, data: {}}]));
    for (let seq = 0; seq < 48; seq++) {
      await storage.putBatch({sessionID: session.sessionID, pageID: 1, seq, body, gzip: randomBytes(256 * 1024), jsonBytes: body.length, eventCount: 1});
    }
    const written = async () => (await readdir(join(dataDir, 'sessions', session.sessionID, '1'))).filter((name) => BATCH_FILE.test(name)).length;
    for (let i = 0; i < 200 && (await written()) < 48; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 200 && syncCounts().filesystem - before < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const syncs = syncCounts().filesystem - before;
    if (syncs === 0 && !(await canSyncFileSystem(dataDir))) return; // no syncfs here: the checkpoint syncs file by file
    assert.ok(syncs >= 2 && syncs <= 6, `12 MiB written, ${syncs} syncfs`);
  } finally {
    await storage.close();
  }
});

async function canSyncFileSystem(dir: string): Promise<boolean> {
  const sync = await openFileSystemSync(dir);
  sync.close();
  return sync.mode === 'syncfs';
}
