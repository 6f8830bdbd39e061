// A batch of rrweb incremental events like a busy page sends between two
// flushes: mouse moves, clicks, scrolls, masked input and DOM mutations with
// table rows and text, grown until it is `gzipBytes` gzipped. The same bytes
// on every run (fixed seed).
import {gzipSync} from 'node:zlib';
import {seededRandom} from './seededRandom.mjs';

const INCREMENTAL = 3;
const SOURCE = {mutation: 0, mouseMove: 1, mouseInteraction: 2, scroll: 3, input: 5};
const WORDS = 'order paid pending shipped refunded walnut desk linen throw ceramic mug oak shelf wool rug lamp carafe towels customer total amount status view'.split(' ');

export function syntheticBatch(gzipBytes) {
  const random = seededRandom(2024);
  const int = (max) => Math.floor(random() * max);
  const words = (count) => Array.from({length: count}, () => WORDS[int(WORDS.length)]).join(' ');
  let timestamp = 1_716_000_000_000;
  let nextId = 5000;
  const events = [];
  const makeEvent = () => {
    timestamp += 20 + int(180);
    const kind = random();
    if (kind < 0.4) {
      return {type: INCREMENTAL, data: {source: SOURCE.mouseMove, positions: Array.from({length: 10}, (_, i) => ({x: int(1280), y: int(720), id: 10 + int(3000), timeOffset: -500 + i * 50}))}, timestamp};
    }
    if (kind < 0.5) return {type: INCREMENTAL, data: {source: SOURCE.mouseInteraction, type: 2, id: 10 + int(3000), x: int(1280), y: int(720), pointerType: 0}, timestamp};
    if (kind < 0.6) return {type: INCREMENTAL, data: {source: SOURCE.scroll, id: 1, x: 0, y: int(4000)}, timestamp};
    if (kind < 0.7) return {type: INCREMENTAL, data: {source: SOURCE.input, text: '*'.repeat(1 + int(20)), isChecked: false, id: 10 + int(3000)}, timestamp};
    const adds = [];
    for (let row = 0; row < 1 + int(6); row++) {
      const rowId = nextId++;
      adds.push({parentId: 900, nextId: null, node: {type: 2, tagName: 'tr', attributes: {'data-amount': (random() * 1000).toFixed(2), 'data-status': WORDS[int(5)]}, childNodes: [], id: rowId}});
      for (let cell = 0; cell < 4; cell++) {
        const cellId = nextId++;
        adds.push({parentId: rowId, nextId: null, node: {type: 2, tagName: 'td', attributes: cell === 3 ? {class: 'amount'} : {}, childNodes: [], id: cellId}});
        adds.push({parentId: cellId, nextId: null, node: {type: 3, textContent: cell === 3 ? `$${(random() * 1000).toFixed(2)}` : words(1 + int(3)), id: nextId++}});
      }
    }
    return {
      type: INCREMENTAL,
      data: {
        source: SOURCE.mutation,
        texts: Array.from({length: int(4)}, () => ({id: 10 + int(3000), value: `${(random() * 100000).toFixed(0)}`})),
        attributes: Array.from({length: int(3)}, () => ({id: 10 + int(3000), attributes: {class: random() < 0.5 ? 'hidden' : null}})),
        removes: Array.from({length: int(3)}, () => ({parentId: 900, id: 10 + int(3000)})),
        adds,
      },
      timestamp,
    };
  };
  let json = '[]';
  let gzip = gzipSync(json);
  // Grow in steps and check the compressed size now and then: gzip is not additive.
  while (gzip.length < gzipBytes) {
    for (let i = 0; i < 2; i++) events.push(makeEvent());
    json = JSON.stringify(events);
    gzip = gzipSync(json);
  }
  return {events: events.length, json: Buffer.from(json), gzip};
}
