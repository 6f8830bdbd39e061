// Every byte a collector stored under its data directory, as one text: what
// privacy tests search for secrets. Batches the tracker sent gzipped are
// stored gzipped: they are searched inflated. The journal
// (collector/storage/file/journal.ts) holds batches until a checkpoint:
// its records are searched too, inflated. The collector writes through
// temporary files it renames, so a file may vanish between listing and
// reading.
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {basename, join} from 'node:path';
import {constants, gunzipSync} from 'node:zlib';
import {decodeSegment} from '../../collector/storage/file/journal';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, {throwIfNoEntry: false});
    if (!stat) return [];
    return stat.isDirectory() ? filesUnder(path) : [path];
  });
}

function readIfThere(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

const isGzip = (bytes: Buffer) => bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
// As much as inflates: a file still being written is cut short.
const inflate = (bytes: Buffer) => gunzipSync(bytes, {finishFlush: constants.Z_SYNC_FLUSH}).toString('latin1');

function textOf(file: string): string {
  const bytes = readIfThere(file);
  const parts = [bytes.toString('latin1')];
  if (isGzip(bytes)) parts.push(inflate(bytes));
  if (/^\d{16}\.log$/.test(basename(file))) {
    for (const record of decodeSegment(bytes)) {
      if (record.encoding === 'gzip') parts.push(inflate(record.body));
    }
  }
  return parts.join('\n');
}

export function storedText(dir: string): string {
  return filesUnder(dir).map(textOf).join('\n');
}
