// A page file holds one batch and is named `<seq>.<eventCount>.json`, with
// `.gz` where the batch is gzipped: a page's listing tells which batches it
// has and how many events they hold, without reading one.
import {readdir} from 'node:fs/promises';
import type {JournalEntry} from './journal';

export type Encoding = JournalEntry['encoding'];

export interface StoredBatch {
  name: string;
  seq: number;
  eventCount: number;
  encoding: Encoding;
}

const BATCH_FILE = /^(\d+)\.(\d+)\.json(\.gz)?$/;

export const batchFileName = (seq: number, eventCount: number, encoding: Encoding) =>
  `${String(seq).padStart(6, '0')}.${eventCount}.json${encoding === 'gzip' ? '.gz' : ''}`;

export async function listBatches(dir: string): Promise<StoredBatch[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.flatMap((name) => {
    const match = BATCH_FILE.exec(name);
    return match ? [{name, seq: Number(match[1]), eventCount: Number(match[2]), encoding: match[3] ? ('gzip' as const) : ('json' as const)}] : [];
  });
}
