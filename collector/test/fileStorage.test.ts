// The storage conformance suite against the embedded file backend.
import {mkdir, readdir, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {createFileStorage} from '../storage/file/createFileStorage';
import {storageConformance} from '../storage/test/conformance';
import {tempDir} from './helpers';

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, {withFileTypes: true}).catch(() => [])) {
    count += entry.isDirectory() ? await countFiles(join(dir, entry.name)) : entry.name.endsWith('.json') && entry.name !== 'session.json' ? 1 : 0;
  }
  return count;
}

storageConformance('files under the data directory', async () => {
  const dataDir = await tempDir();
  const storage = await createFileStorage(dataDir, {metadataDelayMs: 10});
  return {
    storage,
    concurrent: false,
    another: () => createFileStorage(dataDir, {metadataDelayMs: 10}),
    storedBodies: async (sessionID) => (await countFiles(join(dataDir, 'sessions', sessionID))) + (await countFiles(join(dataDir, 'trash'))),
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
