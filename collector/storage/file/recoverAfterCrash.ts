// What start-up does after a crash (no `clean-shutdown`, or batches left in
// the journal): it writes every batch left in the journal into its page file
// again, applies to each session what its record does not hold yet (a
// record carries the LSN of the last batch it includes, `journalLsn`),
// recounts event counts from the page files, makes it durable and empties
// the journal. Batches of sessions erased or removed meanwhile are skipped:
// they are never brought back. After a clean stop it finds the next LSN and
// nothing else.
import {mkdir, readdir, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {applySessionChange} from '../applySessionChange';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import type {Session} from '../types';
import {LOAD_CONCURRENCY, type SessionIndex} from './createSessionIndex';
import type {Writeback} from './createWriteback';
import type {FileLayout} from './fileLayout';
import {forEachConcurrently} from './forEachConcurrently';
import {listSegments, readSegment, removeSegments} from './journal';
import {batchFileName, listBatches, type StoredBatch} from './listBatches';

interface Recovery {
  layout: FileLayout;
  index: SessionIndex;
  writeback: Writeback;
  /** The last run left `clean-shutdown` behind: its event counts can be trusted. */
  cleanStart: boolean;
  log: (line: string) => void;
}

/** Recovers what the journal holds, if anything; resolves with the LSN the journal goes on from. */
export async function recoverAfterCrash({layout, index, writeback, cleanStart, log}: Recovery): Promise<number> {
  const {journalDir, sessionDir, pageDir} = layout;
  const {sessions, dirty, appliedLsn} = index;

  const leftInJournal = await listSegments(journalDir);
  if (leftInJournal.length) cleanStart = false;
  const lastLsn = await recoverJournal(leftInJournal);
  if (!cleanStart) await recountAll();
  if (leftInJournal.length || dirty.size) {
    // What recovery wrote, durable before the segments it came from go.
    await index.persistDirty('file', LOAD_CONCURRENCY);
    await writeback.syncWritten();
    await removeSegments(journalDir, leftInJournal);
  }
  let nextLsn = lastLsn + 1;
  for (const lsn of appliedLsn.values()) nextLsn = Math.max(nextLsn, lsn + 1);
  return nextLsn;

  // After a crash: every batch the journal holds goes (again) into its page
  // file, and what its session record does not hold yet is applied. Returns
  // the highest LSN seen.
  async function recoverJournal(segments: number[]): Promise<number> {
    let lastLsn = 0;
    let replayed = 0;
    let skipped = 0;
    const applied = new Set<string>();
    for (const segment of segments) {
      for (const record of await readSegment(journalDir, segment)) {
        lastLsn = Math.max(lastLsn, record.lsn);
        const session = sessions.get(record.sessionID);
        // Erased or removed since: not brought back.
        if (!session || !session.pages[record.pageID - 1]) {
          skipped++;
          continue;
        }
        const dir = pageDir(record.sessionID, record.pageID);
        await mkdir(dir, {recursive: true});
        const path = join(dir, batchFileName(record.seq, record.eventCount, record.encoding));
        await writeFileAtomic(path, record.body, 'none');
        writeback.rememberWritten(path, dir);
        const key = `${record.sessionID}/${record.pageID}/${record.seq}`;
        if (record.lsn > (appliedLsn.get(record.sessionID) ?? 0) && !applied.has(key)) {
          if (record.change) applySessionChange(session, record.change);
          appliedLsn.set(record.sessionID, record.lsn);
          dirty.add(record.sessionID);
        }
        applied.add(key);
        replayed++;
      }
    }
    if (segments.length) log(`the last run did not stop cleanly: ${replayed} batches written again from the journal (${skipped} of erased or removed sessions skipped)`);
    return lastLsn;
  }

  // After a crash: the batch files are the truth for event counts, and
  // temporary files of interrupted writes are removed.
  async function recountAll(): Promise<void> {
    let corrected = 0;
    await forEachConcurrently([...sessions.values()], LOAD_CONCURRENCY, async (session) => {
      if (await recountEvents(session)) {
        corrected++;
        dirty.add(session.sessionID);
      }
    });
    if (sessions.size) log(`event counts were checked against the stored batches (${corrected} sessions corrected)`);
  }

  async function recountEvents(session: Session): Promise<boolean> {
    let changed = false;
    await removeTemporaryFiles(sessionDir(session.sessionID));
    for (const page of session.pages) {
      const dir = pageDir(session.sessionID, page.pageID);
      await removeTemporaryFiles(dir);
      const count = distinctBySeq(await listBatches(dir)).reduce((sum, batch) => sum + batch.eventCount, 0);
      if (count !== page.eventCount) {
        page.eventCount = count;
        changed = true;
      }
    }
    return changed;
  }
}

// One batch per seq (a batch written again after a crash has the same name).
function distinctBySeq(batches: StoredBatch[]): StoredBatch[] {
  return [...new Map(batches.map((batch) => [batch.seq, batch])).values()];
}

async function removeTemporaryFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.endsWith('.tmp')).map((name) => rm(join(dir, name), {force: true})));
}
