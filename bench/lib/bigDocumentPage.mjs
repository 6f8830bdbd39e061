// A long product-documentation page whose rrweb full snapshot weighs about
// 1 MB of JSON (the delivery figure): sections of headings, paragraphs, lists
// and spec tables, the text drawn from a fixed seed so it compresses like prose.
import {seededRandom} from './seededRandom.mjs';

const WORDS = (
  'session replay recorder batch collector network request response latency snapshot mutation observer ' +
  'privacy mask input value password element selector attribute stylesheet layout paint frame budget ' +
  'compression gzip brotli bundle snippet loader queue promise handshake token signature origin policy ' +
  'customer order invoice shipment warehouse inventory product catalogue price discount coupon checkout ' +
  'the a of to and in for with on by from at as is are was be this that which it its their our your'
).split(' ');

function sentence(random, words) {
  const picked = Array.from({length: words}, () => WORDS[Math.floor(random() * WORDS.length)]);
  picked[0] = picked[0][0].toUpperCase() + picked[0].slice(1);
  return `${picked.join(' ')}.`;
}

export const BIG_DOCUMENT_SECTIONS = 110;

export function bigDocumentPage({head = '', sections = BIG_DOCUMENT_SECTIONS} = {}) {
  const random = seededRandom(7);
  const parts = [];
  for (let s = 0; s < sections; s++) {
    const paragraphs = Array.from({length: 4}, () => `<p>${Array.from({length: 5}, () => sentence(random, 8 + Math.floor(random() * 10))).join(' ')}</p>`);
    const items = Array.from({length: 6}, (_, i) => `<li><a href="#s${s}-${i}">${sentence(random, 4)}</a></li>`);
    const rows = Array.from(
      {length: 8},
      (_, r) => `<tr><td>${WORDS[(s + r) % WORDS.length]}</td><td>${(random() * 1000).toFixed(2)}</td><td>${sentence(random, 5)}</td><td class="ok">yes</td></tr>`,
    );
    parts.push(
      `<section id="s${s}" class="doc-section"><h2>${s + 1}. ${sentence(random, 4)}</h2>${paragraphs.join('')}` +
        `<ul class="toc">${items.join('')}</ul><table class="spec"><thead><tr><th>key</th><th>value</th><th>notes</th><th>ok</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table></section>`,
    );
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Product documentation</title>${head}
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:0 auto;padding:24px}h2{margin-top:32px}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:4px 8px}.ok{color:#16a34a}</style></head>
<body><h1>Product documentation</h1>${parts.join('\n')}</body></html>`;
}
