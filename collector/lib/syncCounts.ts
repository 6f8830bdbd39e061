// How many times the collector asked the disk to make something durable, by
// kind: what an ingest costs the disk, for /metrics and the bench (figure 7
// prints it per batch). Counted where the calls are made.
export type SyncKind = 'journal' | 'file' | 'directory' | 'filesystem';

const counts: Record<SyncKind, number> = {journal: 0, file: 0, directory: 0, filesystem: 0};

export function countSync(kind: SyncKind): void {
  counts[kind]++;
}

export function syncCounts(): Readonly<Record<SyncKind, number>> {
  return counts;
}
