// A session's URLs as the URL filter of a backend that filters in memory
// searches them: lowercased and joined by newlines, made once (a URL
// lowercased at each check made that filter the slowest, 40 ms a pass over
// 100,000 sessions), with the set of its trigrams as a 256-bit signature.
// Every trigram of a needle is a trigram of any text that holds it, so a
// session whose signature lacks one of the needle's is passed over without
// searching its text: a rare URL's pass over the bench's 100,000 sessions
// went from 17 to 7 ms, and its page through the API from 32 to 11 ms at
// the median (bench/NOTES.md, figure 12).
import type {Session} from './types';

const WORDS = 8;

export interface UrlText {
  text: string;
  /** The trigrams of `text`, hashed into 8 words of 32 bits. */
  signature: number[];
}

/** The trigrams of `text` (UTF-16 code units) as a signature of WORDS × 32 bits. */
export function trigramSignature(text: string): number[] {
  const signature = new Array<number>(WORDS).fill(0);
  for (let i = 0; i + 2 < text.length; i++) {
    const bit = ((text.charCodeAt(i) * 31 + text.charCodeAt(i + 1)) * 31 + text.charCodeAt(i + 2)) & (WORDS * 32 - 1);
    signature[bit >> 5] |= 1 << (bit & 31);
  }
  return signature;
}

/**
 * A test of signatures for the trigrams of `needle`: false means that no text
 * of that signature holds it. Only the words the needle sets are compared.
 */
export function trigramTest(needle: string): (signature: number[]) => boolean {
  const wanted = trigramSignature(needle);
  const words = wanted.flatMap((bits, word) => (bits ? [word] : []));
  return (signature) => {
    for (const word of words) if ((signature[word] & wanted[word]) !== wanted[word]) return false;
    return true;
  };
}

// Kept on the session's record under a symbol, as a property that is not
// enumerable: session.json (JSON.stringify) and copies ({...session}) never
// see it. A WeakMap keyed by the record was as slow as lowercasing each URL
// again; this is a property read. Its URLs grow in one place,
// applySessionChange.ts, which drops the text then: comparing its count of
// URLs with the session's at each check cost a pass over 100,000 sessions
// 4 ms more (10.5 against 6.5 ms).
const URL_TEXT = Symbol('lowercased URLs');

type WithUrlText = Session & {[URL_TEXT]?: UrlText};

export function urlText(session: Session): UrlText {
  const record = session as WithUrlText;
  let known = record[URL_TEXT];
  if (!known) {
    const text = session.urls.join('\n').toLowerCase();
    known = {text, signature: trigramSignature(text)};
    Object.defineProperty(record, URL_TEXT, {value: known, writable: true, configurable: true});
  }
  return known;
}

/** For the next check to make the text again, from the URLs as they are now. */
export function forgetUrlText(session: Session): void {
  const record = session as WithUrlText;
  // Set, not deleted: deleting a property can make V8 keep the object as a dictionary.
  if (record[URL_TEXT]) record[URL_TEXT] = undefined;
}
