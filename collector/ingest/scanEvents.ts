// Checks a batch body without building it. A batch must be a JSON array of
// rrweb events, each an object with an integer `type` from 0 to 6 (rrweb's
// EventType, DomContentLoaded … Plugin) and a finite `timestamp`; an empty
// array is accepted (a tracker that flushed nothing has done nothing wrong).
//
// Why not JSON.parse: it builds every node of every mutation and snapshot
// only for us to look at two fields per event and throw the rest away; on
// the ingest path it was 28 % of the collector's main thread and most of its
// garbage (bench/NOTES.md, figure 7). This scanner walks the bytes once,
// allocates nothing for the events it only checks, and accepts exactly what
// JSON.parse accepts (test/scanEvents.test.ts compares the two on mutated
// inputs). Only the events a session's summary reads, Meta (4) and Custom
// (5), small and few, are parsed, from their own bytes.
//
// Like JSON.parse of the body decoded as UTF-8, it does not insist on valid
// UTF-8 inside strings: such bytes would have become U+FFFD there too.
import {HttpError} from '../lib/httpError';
import type {RecordedEvent} from '../storage/types';

export interface ScannedBatch {
  eventCount: number;
  /** The earliest and latest event timestamps (ms); undefined for an empty batch. */
  firstEventAt?: number;
  lastEventAt?: number;
  /** The Meta and Custom events, parsed: what summarizeEvents reads. */
  notable: RecordedEvent[];
}

const META = 4;
const CUSTOM = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const IN_ARRAY = 0;
const IN_OBJECT = 1;

// Bytes a string may hold as they are: all but the quote, the backslash and
// control characters. Indexing past the end gives undefined, which is not 1.
const PLAIN = new Uint8Array(256).fill(1);
PLAIN[QUOTE] = 0;
PLAIN[BACKSLASH] = 0;
PLAIN.fill(0, 0, 0x20);
// Bytes allowed after a backslash: " \ / b f n r t (u is checked apart).
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

class NotJson extends Error {
  constructor(what: string, at: number, length: number) {
    super(at >= length ? `${what}: the body ended at byte ${length}` : `${what} at byte ${at}`);
  }
}

// The scanning functions take the body and a position and return the
// position after what they scanned: plain locals, which V8 keeps in
// registers (closures over a shared mutable position ran at half the speed).

function skipWhitespace(b: Buffer, i: number): number {
  let c = b[i];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i];
  return i;
}

/** Whether the last string scanned held an escape. */
let lastStringEscaped = false;

// From the opening quote to just past the closing one.
function scanString(b: Buffer, i: number): number {
  lastStringEscaped = false;
  i++;
  while (PLAIN[b[i]] === 1) i++;
  if (b[i] === QUOTE) return i + 1;
  return scanStringFrom(b, i) + 1;
}

// The rest of a string from its first escape (or the byte that ends it
// badly), to its closing quote.
function scanStringFrom(b: Buffer, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) {
      lastStringEscaped = true;
      const e = b[i + 1];
      if (e === 0x75) {
        if (!(HEX[b[i + 2]] && HEX[b[i + 3]] && HEX[b[i + 4]] && HEX[b[i + 5]])) throw new NotJson('bad \\u escape', i, b.length);
        i += 6;
      } else if (SIMPLE_ESCAPE[e] === 1) {
        i += 2;
      } else {
        throw new NotJson('bad escape', i + 1, b.length);
      }
    } else if (PLAIN[c] === 1) {
      i++;
      while (PLAIN[b[i]] === 1) i++;
    } else {
      throw new NotJson(c === undefined ? 'unterminated string' : 'control character in a string', i, b.length);
    }
  }
}

function scanDigits(b: Buffer, i: number): number {
  const start = i;
  let c = b[i];
  while (c >= ZERO && c <= NINE) c = b[++i];
  if (i === start) throw new NotJson('digit expected', i, b.length);
  return i;
}

function scanNumber(b: Buffer, i: number): number {
  if (b[i] === MINUS) i++;
  if (b[i] === ZERO) i++;
  else i = scanDigits(b, i);
  return scanNumberTail(b, i);
}

// A number's fraction and exponent, from where its integer part ends.
function scanNumberTail(b: Buffer, i: number): number {
  if (b[i] === DOT) i = scanDigits(b, i + 1);
  const e = b[i];
  if (e === 0x65 || e === 0x45) {
    i++;
    if (b[i] === PLUS || b[i] === MINUS) i++;
    i = scanDigits(b, i);
  }
  return i;
}

// A key and its colon, the plain case inline: no escape, no whitespace.
function scanKeyInline(b: Buffer, i: number): number {
  if (b[i] !== QUOTE) throw new NotJson('a key (a string) expected', i, b.length);
  i++;
  while (PLAIN[b[i]] === 1) i++;
  if (b[i] !== QUOTE) i = scanStringFrom(b, i);
  i++;
  if (b[i] === COLON) {
    i++;
    return b[i] <= 0x20 ? skipWhitespace(b, i) : i;
  }
  return scanColon(b, i);
}

function scanLiteral(b: Buffer, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) {
    if (b[i + k] !== word.charCodeAt(k)) throw new NotJson('unexpected token', i + k, b.length);
  }
  return i + word.length;
}

// The colon after a key, and the whitespace around it.
function scanColon(b: Buffer, i: number): number {
  i = skipWhitespace(b, i);
  if (b[i] !== COLON) throw new NotJson('":" expected', i, b.length);
  return skipWhitespace(b, i + 1);
}

function scanKeyAndColon(b: Buffer, i: number): number {
  if (b[i] !== QUOTE) throw new NotJson('a key (a string) expected', i, b.length);
  return scanColon(b, scanString(b, i));
}

// Containers open around the value being skipped (IN_ARRAY / IN_OBJECT), grown as needed.
let stack: Uint8Array = new Uint8Array(256);

function grow(): Uint8Array {
  const grown = new Uint8Array(stack.length * 2);
  grown.set(stack);
  stack = grown;
  return grown;
}

// One JSON value of any kind, nested or not, without recursion (a deep DOM
// makes a deep snapshot). The hottest loop of the collector: strings, the
// commonest value, and the punctuation between values are scanned inline,
// and whitespace (which the tracker never sends) is skipped only where found.
function skipValue(b: Buffer, i: number): number {
  let depth = 0;
  let kinds = stack;
  for (;;) {
    // A value starts at i.
    let c = b[i];
    if (c === QUOTE) {
      i++;
      for (;;) {
        while (PLAIN[b[i]] === 1) i++;
        if (b[i] === QUOTE) break;
        i = scanStringFrom(b, i);
        break;
      }
      i++;
    } else if (c === OPEN_BRACE) {
      i++;
      if (b[i] <= 0x20) i = skipWhitespace(b, i);
      if (b[i] === CLOSE_BRACE) {
        i++;
      } else {
        if (depth === kinds.length) kinds = grow();
        kinds[depth++] = IN_OBJECT;
        i = scanKeyInline(b, i);
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i++;
      if (b[i] <= 0x20) i = skipWhitespace(b, i);
      if (b[i] === CLOSE_BRACKET) {
        i++;
      } else {
        if (depth === kinds.length) kinds = grow();
        kinds[depth++] = IN_ARRAY;
        continue;
      }
    } else if (c >= 0x31 && c <= NINE) {
      // The common number: a plain integer, ids and coordinates.
      c = b[++i];
      while (c >= ZERO && c <= NINE) c = b[++i];
      if (c === DOT || c === 0x65 || c === 0x45) i = scanNumberTail(b, i);
    } else if (c === MINUS || c === ZERO) {
      i = scanNumber(b, i);
    } else if (c === 0x74) {
      i = scanLiteral(b, i, 'true');
    } else if (c === 0x66) {
      i = scanLiteral(b, i, 'false');
    } else if (c === 0x6e) {
      i = scanLiteral(b, i, 'null');
    } else {
      throw new NotJson('a value expected', i, b.length);
    }
    // After a value: close what ends here, until a comma calls for the next value.
    for (;;) {
      if (depth === 0) return i;
      c = b[i];
      if (c <= 0x20) {
        i = skipWhitespace(b, i);
        c = b[i];
      }
      const kind = kinds[depth - 1];
      if (c === COMMA) {
        i++;
        if (b[i] <= 0x20) i = skipWhitespace(b, i);
        if (kind === IN_OBJECT) i = scanKeyInline(b, i);
        break;
      }
      if (c === (kind === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        i++;
        depth--;
        continue;
      }
      throw new NotJson(kind === IN_OBJECT ? '"," or "}" expected' : '"," or "]" expected', i, b.length);
    }
  }
}

// Whether the key from `start` (its opening quote) to `end` (past its closing one) is `name`.
function keyIs(b: Buffer, start: number, end: number, escaped: boolean, name: string): boolean {
  if (escaped) return JSON.parse(b.toString('utf8', start, end)) === name;
  if (end - start !== name.length + 2) return false;
  for (let k = 0; k < name.length; k++) if (b[start + 1 + k] !== name.charCodeAt(k)) return false;
  return true;
}

/** The value of the last field read by readNumber: NaN when it was not a number. */
let lastNumber = NaN;

// A field whose number we need (type, timestamp).
function readNumber(b: Buffer, i: number): number {
  const c = b[i];
  if (c === MINUS || (c >= ZERO && c <= NINE)) {
    const end = scanNumber(b, i);
    lastNumber = Number(b.toString('latin1', i, end));
    return end;
  }
  lastNumber = NaN;
  return skipValue(b, i);
}

export function scanEvents(body: Buffer): ScannedBatch {
  try {
    return scan(body);
  } catch (error) {
    if (error instanceof NotJson) throw new HttpError(400, `the batch is not JSON (${error.message}); send a JSON array of rrweb events`);
    throw error;
  }
}

function scan(b: Buffer): ScannedBatch {
  const n = b.length;
  const batch: ScannedBatch = {eventCount: 0, notable: []};
  let i = skipWhitespace(b, 0);
  if (b[i] !== OPEN_BRACKET) {
    // Valid JSON of another kind is "not an array"; anything else "not JSON".
    i = skipWhitespace(b, skipValue(b, i));
    if (i < n) throw new NotJson('unexpected data after the value', i, n);
    throw new HttpError(400, 'the batch must be a JSON array of rrweb events');
  }
  i = skipWhitespace(b, i + 1);
  if (b[i] === CLOSE_BRACKET) {
    i++;
  } else {
    for (let index = 0; ; index++) {
      if (b[i] !== OPEN_BRACE) {
        skipValue(b, i);
        throw new HttpError(400, `event ${index} of the batch is not an object`);
      }
      const start = i;
      let type = NaN;
      let timestamp = NaN;
      let hasTimestamp = false;
      i = skipWhitespace(b, i + 1);
      if (b[i] === CLOSE_BRACE) {
        i++;
      } else {
        for (;;) {
          if (b[i] !== QUOTE) throw new NotJson('a key (a string) expected', i, n);
          const keyStart = i;
          i = scanString(b, i);
          const escaped = lastStringEscaped;
          const isType = keyIs(b, keyStart, i, escaped, 'type');
          const isTimestamp = !isType && keyIs(b, keyStart, i, escaped, 'timestamp');
          i = scanColon(b, i);
          // A repeated key: the last one counts, as with JSON.parse.
          if (isType) {
            i = readNumber(b, i);
            type = lastNumber;
          } else if (isTimestamp) {
            i = readNumber(b, i);
            timestamp = lastNumber;
            hasTimestamp = true;
          } else {
            i = skipValue(b, i);
          }
          i = skipWhitespace(b, i);
          if (b[i] === COMMA) {
            i = skipWhitespace(b, i + 1);
            continue;
          }
          if (b[i] === CLOSE_BRACE) {
            i++;
            break;
          }
          throw new NotJson('"," or "}" expected', i, n);
        }
      }
      if (!Number.isInteger(type) || type < 0 || type > 6) {
        throw new HttpError(400, `event ${index} of the batch has no valid "type" (an integer from 0 to 6)`);
      }
      if (!hasTimestamp || !Number.isFinite(timestamp)) {
        throw new HttpError(400, `event ${index} of the batch has no valid "timestamp" (a number, ms)`);
      }
      batch.eventCount++;
      if (batch.firstEventAt === undefined || timestamp < batch.firstEventAt) batch.firstEventAt = timestamp;
      if (batch.lastEventAt === undefined || timestamp > batch.lastEventAt) batch.lastEventAt = timestamp;
      if (type === META || type === CUSTOM) batch.notable.push(JSON.parse(b.toString('utf8', start, i)));
      i = skipWhitespace(b, i);
      if (b[i] === COMMA) {
        i = skipWhitespace(b, i + 1);
        continue;
      }
      if (b[i] === CLOSE_BRACKET) {
        i++;
        break;
      }
      throw new NotJson('"," or "]" expected', i, n);
    }
  }
  i = skipWhitespace(b, i);
  if (i < n) throw new NotJson('unexpected data after the array', i, n);
  return batch;
}
