// The file storage's journal: batches are appended to one log and made
// durable together, so that many batches arriving at once cost one fdatasync
// instead of two fsyncs each (group commit). The page files are written after
// the acknowledgement, from memory; the journal is what makes an
// acknowledged batch survive a crash until they are durable too (see
// createCheckpointer.ts).
//
//   <dataDir>/journal/
//     0000000000000007.log   segments, appended to in turn; a checkpoint
//     0000000000000008.log   starts a new one and deletes the older ones
//
// A segment is a sequence of frames:
//
//   "TRJ1"  u32 payload length  u32 CRC-32 of the payload  payload
//   payload = u32 header length, header (JSON: lsn, sessionID, pageID, seq,
//             eventCount, encoding, change), then the batch's bytes
//
// Appends are written with one writev per group at the segment's known end,
// then fdatasync; only then are they acknowledged. A group that fails (a full
// disk) is cut off again (ftruncate), so a segment never holds anything after
// a frame that was not acknowledged... but for what a crash interrupts: a
// reader stops at the first frame that is cut short or fails its CRC, and
// nothing after it in that segment was ever acknowledged.
import {mkdir, open, readdir, readFile, rm, type FileHandle} from 'node:fs/promises';
import {join} from 'node:path';
import * as zlib from 'node:zlib';
import {syncDirectory} from '../../lib/syncDirectory';
import {countSync} from '../../lib/syncCounts';
import type {SessionChange} from '../storage';

export interface JournalEntry {
  sessionID: string;
  pageID: number;
  seq: number;
  eventCount: number;
  /** How `body` is encoded: the JSON array of events, or that array gzipped (as the tracker sent it). */
  encoding: 'json' | 'gzip';
  change?: SessionChange;
  body: Buffer;
}

export interface JournalRecord extends JournalEntry {
  /** Log sequence number: rises with every append, across restarts. */
  lsn: number;
}

export interface Appended {
  lsn: number;
  /** The segment the record landed in. */
  segment: number;
}

export interface Journal {
  /** Resolves once the record is durable, together with those appended meanwhile. */
  append(entry: JournalEntry): Promise<Appended>;
  /**
   * Starts a new segment for the appends to come (if the current one holds
   * anything) and resolves with the segments before it: those a checkpoint
   * may delete once what they hold is durable elsewhere.
   */
  seal(): Promise<number[]>;
  /** Deletes sealed segments. */
  remove(segments: number[]): Promise<void>;
  /** Bytes appended to the current segment. */
  currentBytes(): number;
  /** Whether any segment holds records. */
  isEmpty(): boolean;
  /** Waits for appends under way, closes the current segment, and deletes it if it is empty. */
  close(): Promise<void>;
}

const MAGIC = 0x314a5254; // "TRJ1" little-endian
const FRAME_HEADER = 12;
const SEGMENT = /^(\d{16})\.log$/;

// zlib.crc32 is Node 20.15 and later; the table below does the same before.
const crc32: (data: Uint8Array, value?: number) => number = (zlib as {crc32?: typeof zlib.crc32}).crc32 ?? crc32InJs;

function crc32InJs(data: Uint8Array, value = 0): number {
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

const CRC_TABLE = Int32Array.from({length: 256}, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

const segmentName = (id: number) => `${String(id).padStart(16, '0')}.log`;

interface Pending {
  frame: Buffer[];
  bytes: number;
  lsn: number;
  resolve(appended: Appended): void;
  reject(error: unknown): void;
}

interface Segment {
  id: number;
  handle: FileHandle;
  size: number;
  records: number;
  /** A failed write could not be cut off: nothing more is appended here. */
  broken: boolean;
}

export function encodeRecord(record: JournalRecord): Buffer[] {
  const header = Buffer.from(
    JSON.stringify({
      lsn: record.lsn,
      sessionID: record.sessionID,
      pageID: record.pageID,
      seq: record.seq,
      eventCount: record.eventCount,
      encoding: record.encoding,
      change: record.change,
    }),
  );
  const prefix = Buffer.allocUnsafe(FRAME_HEADER + 4 + header.length);
  prefix.writeUInt32LE(MAGIC, 0);
  prefix.writeUInt32LE(4 + header.length + record.body.length, 4);
  prefix.writeUInt32LE(header.length, FRAME_HEADER);
  header.copy(prefix, FRAME_HEADER + 4);
  prefix.writeUInt32LE(crc32(record.body, crc32(prefix.subarray(FRAME_HEADER))), 8);
  return [prefix, record.body];
}

/** The records of one segment, up to the first frame that is cut short or corrupt. */
export function* decodeSegment(data: Buffer): Generator<JournalRecord> {
  let at = 0;
  while (at + FRAME_HEADER + 4 <= data.length) {
    if (data.readUInt32LE(at) !== MAGIC) return;
    const length = data.readUInt32LE(at + 4);
    const end = at + FRAME_HEADER + length;
    if (length < 4 || end > data.length) return;
    const payload = data.subarray(at + FRAME_HEADER, end);
    if (crc32(payload) !== data.readUInt32LE(at + 8)) return;
    const headerLength = payload.readUInt32LE(0);
    if (4 + headerLength > payload.length) return;
    let header: Omit<JournalRecord, 'body'>;
    try {
      header = JSON.parse(payload.toString('utf8', 4, 4 + headerLength));
    } catch {
      return;
    }
    yield {...header, body: payload.subarray(4 + headerLength)};
    at = end;
  }
}

/** The segments found in the journal directory, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch((error) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  return names.flatMap((name) => {
    const match = SEGMENT.exec(name);
    return match ? [Number(match[1])] : [];
  }).sort((a, b) => a - b);
}

export async function readSegment(dir: string, id: number): Promise<JournalRecord[]> {
  return [...decodeSegment(await readFile(join(dir, segmentName(id))))];
}

export async function removeSegments(dir: string, segments: number[]): Promise<void> {
  for (const id of segments) await rm(join(dir, segmentName(id)), {force: true});
}

export interface JournalOptions {
  /** The first LSN to hand out (segments left from before were replayed and removed). */
  nextLsn: number;
  /** A segment past this many bytes is sealed at the next group (default 64 MiB). */
  maxSegmentBytes?: number;
  /** Called when the current segment has passed maxSegmentBytes: time for a checkpoint. */
  onFull?: () => void;
}

export async function openJournal(dir: string, options: JournalOptions): Promise<Journal> {
  const maxSegmentBytes = options.maxSegmentBytes ?? 64 * 1024 * 1024;
  await mkdir(dir, {recursive: true});
  let nextLsn = options.nextLsn;
  const sealed: number[] = [];
  const existing = await listSegments(dir);
  let nextSegment = Math.max(0, ...existing) + 1;
  let current = await createSegment();
  let queue: Pending[] = [];
  let flushing: Promise<void> | null = null;
  let sealRequested: Array<() => void> = [];
  let closed = false;

  async function createSegment(): Promise<Segment> {
    const id = nextSegment++;
    const handle = await open(join(dir, segmentName(id)), 'wx', 0o644);
    // The new file's name must survive a power cut before anything in it is acknowledged.
    await syncDirectory(dir).catch(async (error) => {
      await handle.close();
      throw error;
    });
    return {id, handle, size: 0, records: 0, broken: false};
  }

  async function rotate(): Promise<void> {
    const next = await createSegment();
    const previous = current;
    current = next;
    if (previous.records) sealed.push(previous.id);
    await previous.handle.close().catch(() => {});
    if (!previous.records) await rm(join(dir, segmentName(previous.id)), {force: true});
  }

  async function writeGroup(group: Pending[]): Promise<void> {
    const start = current.size;
    const bytes = group.reduce((sum, pending) => sum + pending.bytes, 0);
    try {
      const {bytesWritten} = await current.handle.writev(
        group.flatMap((pending) => pending.frame),
        start,
      );
      if (bytesWritten !== bytes) throw Object.assign(new Error(`ENOSPC: the journal took ${bytesWritten} of ${bytes} bytes`), {code: 'ENOSPC'});
      await current.handle.datasync();
      countSync('journal');
    } catch (error) {
      // Never append after bytes that were not acknowledged: cut them off, or
      // move to a new segment if even that fails.
      try {
        await current.handle.truncate(start);
        await current.handle.datasync();
      } catch {
        current.broken = true;
      }
      for (const pending of group) pending.reject(error);
      return;
    }
    current.size = start + bytes;
    current.records += group.length;
    for (const pending of group) pending.resolve({lsn: pending.lsn, segment: current.id});
    if (current.size >= maxSegmentBytes) options.onFull?.();
  }

  async function flushLoop(): Promise<void> {
    try {
      while (queue.length || sealRequested.length) {
        if (sealRequested.length || current.broken || (current.size >= maxSegmentBytes && queue.length)) {
          const waiting = sealRequested;
          sealRequested = [];
          try {
            if (current.records || current.broken) await rotate();
          } catch (error) {
            // No new segment (a full disk): the appends waiting fail; a broken segment stays unused.
            const group = queue;
            queue = [];
            for (const pending of group) pending.reject(error);
            waiting.forEach((resolve) => resolve());
            continue;
          }
          waiting.forEach((resolve) => resolve());
        }
        if (!queue.length) continue;
        const group = queue;
        queue = [];
        if (current.broken) {
          // rotate() failed above and left the segment broken: refuse rather than write after garbage.
          const error = Object.assign(new Error('EIO: the journal cannot be written'), {code: 'EIO'});
          for (const pending of group) pending.reject(error);
          continue;
        }
        await writeGroup(group);
      }
    } finally {
      flushing = null;
    }
  }

  const kick = () => {
    flushing ??= flushLoop();
  };

  return {
    append(entry: JournalEntry): Promise<Appended> {
      if (closed) return Promise.reject(new Error('the journal is closed'));
      const lsn = nextLsn++;
      const frame = encodeRecord({...entry, lsn});
      return new Promise((resolve, reject) => {
        queue.push({frame, bytes: frame[0].length + frame[1].length, lsn, resolve, reject});
        kick();
      });
    },

    async seal(): Promise<number[]> {
      if (current.records || current.broken) {
        await new Promise<void>((resolve) => {
          sealRequested.push(resolve);
          kick();
        });
      }
      return [...sealed];
    },

    async remove(segments: number[]): Promise<void> {
      await removeSegments(dir, segments);
      for (const id of segments) {
        const at = sealed.indexOf(id);
        if (at >= 0) sealed.splice(at, 1);
      }
    },

    currentBytes: () => current.size,

    isEmpty: () => !sealed.length && !current.records,

    async close(): Promise<void> {
      closed = true;
      while (flushing) await flushing;
      await current.handle.close().catch(() => {});
      if (!current.records) await rm(join(dir, segmentName(current.id)), {force: true});
    },
  };
}
