// The storage conformance suite against the embedded file backend.
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {createFileStorage} from '../storage/file/createFileStorage';
import {listSegments, readSegment} from '../storage/file/journal';
import {storageConformance} from '../storage/test/conformance';
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
