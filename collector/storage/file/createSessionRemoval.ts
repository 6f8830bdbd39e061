// The file storage's maintenance: erasure and retention, both of which
// remove whole sessions.
//
// Removing a session takes it out of memory, waits for its writes under
// way, then renames its directory into trash/ (one atomic step: a reader
// sees all of it or none) and deletes it there. An erasure writes its
// tombstone in erased/ first: after a crash halfway, start-up finishes the
// job. Both then run a checkpoint, so that the journal no longer holds the
// session's events either.
import {randomUUID} from 'node:crypto';
import {rename, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {writeFileAtomic} from '../../lib/writeFileAtomic';
import type {Erasure, Storage} from '../storage';
import type {Session} from '../types';
import type {BatchStore} from './createBatchStore';
import type {Checkpointer} from './createCheckpointer';
import type {SessionIndex} from './createSessionIndex';
import type {FileLayout} from './fileLayout';

export type SessionRemoval = Pick<Storage, 'erase' | 'removeInactiveSince'>;

interface RemovalParts {
  layout: FileLayout;
  index: SessionIndex;
  batches: BatchStore;
  checkpointer: Checkpointer;
}

export function createSessionRemoval({layout, index, batches, checkpointer}: RemovalParts): SessionRemoval {
  const {erasedDir, trashDir, sessionDir} = layout;
  const {sessions, timeline, erased} = index;
  const {checkpoint, reportCheckpointFailure} = checkpointer;

  // Out of memory at once (nothing reads or writes it from now on), then off the disk.
  async function remove(session: Session): Promise<void> {
    const id = session.sessionID;
    index.forget(session);
    const underWay = batches.forgetSession(id);
    await Promise.allSettled([...underWay, index.recordWrite(id) ?? Promise.resolve()]);
    // Batches acknowledged and not yet written: dropped, once a write under way has ended.
    await batches.dropUnwritten(id);
    const trashed = join(trashDir, `${id}.${randomUUID()}`);
    await rename(sessionDir(id), trashed).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rm(trashed, {recursive: true, force: true, maxRetries: 3});
  }

  return {
    async erase(erasure: Erasure): Promise<string[]> {
      const inScope = (session: Session) => !erasure.projects || erasure.projects.includes(session.projectKey);
      const doomed = ('sessionID' in erasure ? [sessions.get(erasure.sessionID) ?? []].flat() : timeline.filter((session) => session.userID === erasure.userID)).filter(inScope);
      for (const session of doomed) {
        // The tombstone first, durably: a crash before the directory is gone leaves the erasure to finish at start-up.
        await writeFileAtomic(join(erasedDir, session.sessionID), '');
        erased.add(session.sessionID);
        await remove(session);
      }
      // The journal may still hold their batches: a checkpoint drops it. If
      // it cannot run now (a full disk), a later one will, and a restart
      // never replays an erased session.
      if (doomed.length) await checkpoint().catch(reportCheckpointFailure);
      return doomed.map((session) => session.sessionID);
    },

    async removeInactiveSince(time: number, limit: number): Promise<number> {
      const expired = timeline.filter((session) => session.lastActivityAt < time).slice(0, limit);
      for (const session of expired) await remove(session);
      // Their batches may still be in the journal: a checkpoint drops them (as after an erasure).
      if (expired.length) await checkpoint().catch(reportCheckpointFailure);
      return expired.length;
    },
  };
}
