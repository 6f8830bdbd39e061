// Privacy inside the recording, applied to every rrweb event before anything
// keeps it, so batches, the hide flush and the record-on-error buffer only
// ever hold what this leaves:
// - URLs in the recorded DOM (link, image, form and media attributes, srcset
//   candidates, url() and @import in style attributes, stylesheets and CSSOM
//   rules) get redactUrl's rules: secret-looking query and fragment values
//   become [redacted], user:password@ is dropped; a URL stays as rrweb wrote
//   it otherwise (rrweb makes most of them absolute).
// - With maskEmailsAndCards, email addresses and card numbers (13 to 19
//   digits, single spaces or dashes between them, passing the Luhn check) in
//   text nodes, `value` attributes (all of them: a mutation does not say its
//   element) and readable attributes have each character but spaces replaced
//   by `*`, as rrweb masks text: the text keeps its length, the replay its
//   layout.
// rrweb's events are walked generically: what a string is follows from its
// key, the same in a full snapshot, a mutation and a CSSOM event. Only events
// that carry DOM or CSS are walked, and each rewrite starts with a regex
// looking for `?`, `#`, `@`, `url(` or a digit run; most strings have none.
import type {RecordedEvent} from '../types';
import {redactUrlsAsWritten} from './redactUrl';

const AS_URL = 1;
const AS_CSS = 2;
// Text gets both: a text change in a mutation does not say whether it is CSS.
const AS_TEXT = 3;
// Keys of rrweb's serialized nodes, mutations and CSSOM events, and attribute
// names (lowercase: none is a name on Object.prototype but `constructor`,
// whose function matches no kind).
const KINDS: Record<string, number> = {
  href: AS_URL,
  src: AS_URL,
  srcset: AS_URL,
  action: AS_URL,
  formaction: AS_URL,
  poster: AS_URL,
  data: AS_URL,
  'xlink:href': AS_URL,
  style: AS_CSS,
  _cssText: AS_CSS,
  rule: AS_CSS,
  replace: AS_CSS,
  replaceSync: AS_CSS,
  textContent: AS_TEXT,
  title: AS_TEXT,
  alt: AS_TEXT,
  placeholder: AS_TEXT,
  'aria-label': AS_TEXT,
  value: AS_TEXT,
};
// rrweb's IncrementalSource values whose data carries DOM or CSS: mutation,
// style sheet rule, style declaration, adopted style sheet.
const DOM_SOURCES = [0, 8, 13, 15];

// Bounded runs: a long word before an `@` costs 64 steps, not its length.
const EMAIL_OR_CARD = /[\w.+%-]{1,64}@[\w-]+(?:\.[\w-]+)+|(^|\D)(\d(?:[ -]?\d){12,18})(?!\d)/g;

const stars = (text: string) => text.replace(/\S/g, '*');

// Every other digit from the right counts doubled, as its digit sum ('0246813579').
const passesLuhn = (number: string) => number.match(/\d/g)!.reverse().reduce((sum, digit, i) => sum + +(i % 2 ? '0246813579'[+digit] : digit), 0) % 10 === 0;

export const maskEmailsAndCards = (text: string): string =>
  /@|\d/.test(text) ? text.replace(EMAIL_OR_CARD, (whole, before?: string, number?: string) => (number ? (passesLuhn(number) ? before + stars(number) : whole) : stars(whole))) : text;

/** The URLs in CSS text (url() and @import) redacted; the rest as it was. */
export const redactCssUrls = (css: string): string =>
  css.replace(/((?:url\(|@import)\s*)("[^"]*|'[^']*|[^)'"\s;]*)/gi, (_, open: string, url: string) =>
    open + (/^["']/.test(url) ? url[0] + redactUrlsAsWritten(url.slice(1)) : redactUrlsAsWritten(url)),
  );

// `kind` is inherited: every string inside a style diff, a CSS rule or a
// <style> element's text node is CSS.
function redact(value: unknown, maskText: boolean, kind?: number): unknown {
  if (typeof value === 'string') {
    // Of URLs, only a mailto: link is text: an image named x@2x.png must still load.
    if (kind === AS_URL && /^mailto:/i.test(value)) kind = AS_TEXT;
    if (kind === AS_URL) return redactUrlsAsWritten(value);
    if (kind === AS_CSS) return redactCssUrls(value);
    if (kind !== AS_TEXT) return value;
    value = redactCssUrls(value);
    return maskText ? maskEmailsAndCards(value as string) : value;
  }
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const inherited = kind === AS_CSS || object.isStyle ? AS_CSS : 0;
    for (const key in object) object[key] = redact(object[key], maskText, inherited || KINDS[key]);
  }
  return value;
}

/**
 * Redacts an rrweb event in place and returns it. An event of a shape it does
 * not know may make it throw halfway: the caller drops such an event.
 */
export function redactRecordedEvent(event: RecordedEvent, maskText: boolean): RecordedEvent {
  const {type, data} = event as {type: number; data: {source?: number}};
  // Full snapshots, rrweb's record of the page URL, incremental events with DOM or CSS.
  if (type === 2 || type === 4 || (type === 3 && DOM_SOURCES.includes(data.source!))) redact(data, maskText);
  return event;
}

/**
 * One node of a full snapshot redacted in place, as redactRecordedEvent would
 * redact it inside the snapshot, but without its children: the sliced
 * snapshot redacts each node once, children first (slicedSnapshot.ts).
 */
export function redactSnapshotNode(node: Record<string, unknown>, maskText: boolean): void {
  const inherited = node.isStyle ? AS_CSS : 0;
  for (const key in node) if (key !== 'childNodes') node[key] = redact(node[key], maskText, inherited || KINDS[key]);
}
