// The "big page" of issue #31: about 20,000 elements (nested sections, lists,
// tables, forms with inputs, SVG icons, text) and one inline <style> of about
// 2,000 rules that apply to them: a class per rule, spread over the elements,
// some inside media queries, some with url() backgrounds (data: URIs and the
// same-origin /assets/avatar-N.svg that bench/lib/dashboardPage.mjs serves).
// Everything comes from a fixed seed; no page script, so whatever runs on the
// main thread besides the browser's own work is the tracker's. A pure
// function: the e2e tests build the same page.
import {seededRandom} from './seededRandom.mjs';

const WORDS = (
  'order invoice customer shipment parcel warehouse region revenue margin refund coupon catalogue ' +
  'product variant price stock supplier return account billing address status pending paid shipped ' +
  'the a of to and in for with on by from at as is are was this that which it its their our'
).split(' ');
const INPUT_TYPES = ['text', 'email', 'number', 'tel', 'checkbox', 'radio', 'date', 'password'];
const COLORS = ['#4f46e5', '#0891b2', '#16a34a', '#ea580c', '#db2777', '#7c3aed', '#0d9488', '#ca8a04', '#374151', '#dc2626'];
const AVATARS = 12;
// A 1×1 PNG and a small SVG: url() backgrounds that need no request.
const DATA_PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const dataSvg = (color) =>
  `data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'%3E%3Crect width='4' height='4' fill='${encodeURIComponent(color)}'/%3E%3C/svg%3E`;

// One rule per line: a few for the layout, then one class `k<i>` per rule, of
// which every element draws one or two.
function stylesheet(random, rules) {
  const lines = [
    `*{box-sizing:border-box}`,
    `body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#111827;background:#f9fafb}`,
    `.page{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px;padding:16px}`,
    `section{border:1px solid #e5e7eb;border-radius:8px;padding:8px;background:#fff}`,
    `section section{border-color:#f3f4f6;margin-top:8px}`,
    `h2,h3,h4{margin:4px 0}`,
    `ul{margin:4px 0;padding-left:18px}`,
    `table{border-collapse:collapse;width:100%;font-size:12px}`,
    `td,th{padding:2px 4px;border-bottom:1px solid #f3f4f6;text-align:left}`,
    `form{display:flex;flex-wrap:wrap;gap:4px}`,
    `label{display:flex;gap:4px;align-items:center}`,
    `input,select,textarea{font:inherit}`,
    `svg{width:14px;height:14px;vertical-align:middle;fill:currentColor}`,
  ];
  const fixed = lines.length;
  for (let i = 0; i < rules - fixed; i++) {
    const color = COLORS[Math.floor(random() * COLORS.length)];
    let body = `color:${color};padding:${Math.floor(random() * 6)}px;margin-bottom:${Math.floor(random() * 4)}px`;
    if (i % 7 === 0) body += `;border-left:2px solid ${COLORS[(i >> 3) % COLORS.length]}`;
    if (i % 11 === 0) body += `;font-weight:600`;
    if (i % 25 === 0) {
      const url = i % 50 === 0 ? `/assets/avatar-${(i / 50) % AVATARS}.svg` : i % 75 === 25 ? DATA_PNG : dataSvg(color);
      body += `;background:url("${url}") no-repeat right center/12px 12px`;
    }
    // One rule in twenty is a media query: most match a desktop viewport, some only a phone.
    if (i % 20 === 10) lines.push(`@media (${i % 60 === 10 ? 'max-width:480px' : 'min-width:600px'}){.k${i}{${body}}}`);
    else if (i % 13 === 0) lines.push(`.k${i}:hover,.k${i}:focus-within{${body}}`);
    else lines.push(`.k${i}{${body}}`);
  }
  return {css: lines.join('\n'), classes: rules - fixed};
}

/** The page's HTML; `head` goes first in <head>, right after the charset (where the snippet is pasted). */
export function manyElementsPage({head = '', elements = 20000, rules = 2000} = {}) {
  const random = seededRandom(2031);
  const {css, classes} = stylesheet(random, rules);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const words = (count) => Array.from({length: count}, () => pick(WORDS)).join(' ');
  const cls = () => (random() < 0.3 ? `k${Math.floor(random() * classes)} k${Math.floor(random() * classes)}` : `k${Math.floor(random() * classes)}`);
  const icon = (i) => `<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M${2 + (i % 3)} 2h${10 - (i % 4)}v12H${2 + (i % 3)}z"/></svg>`;
  let count = 0;
  let serial = 0;

  // Each builder returns its HTML and counts the elements it made.
  const list = () => {
    const items = 4 + Math.floor(random() * 6);
    count += 1 + items * 4;
    let html = `<ul class="${cls()}">`;
    for (let i = 0; i < items; i++) html += `<li class="${cls()}">${icon(serial + i)}<span class="${cls()}">${words(3 + (i % 4))}</span></li>`;
    return html + '</ul>';
  };
  const table = () => {
    const rows = 4 + Math.floor(random() * 5);
    count += 8 + rows * 7;
    let html = `<table class="${cls()}"><thead><tr><th>#</th><th>${pick(WORDS)}</th><th>${pick(WORDS)}</th><th>amount</th></tr></thead><tbody>`;
    for (let r = 0; r < rows; r++) {
      html +=
        `<tr class="${cls()}"><td><a href="#row-${serial}-${r}">${serial * 10 + r}</a></td><td class="${cls()}">${words(2)}</td>` +
        `<td><span class="${cls()}">${pick(WORDS)}</span></td><td class="${cls()}">${(random() * 1000).toFixed(2)}</td></tr>`;
    }
    return html + '</tbody></table>';
  };
  const form = () => {
    const fields = 3 + Math.floor(random() * 4);
    count += 7 + fields * 2;
    let html = `<form class="${cls()}" onsubmit="return false"><fieldset class="${cls()}"><legend>${words(2)}</legend>`;
    for (let f = 0; f < fields; f++) {
      const type = INPUT_TYPES[(serial + f) % INPUT_TYPES.length];
      const value = type === 'checkbox' || type === 'radio' ? '' : type === 'number' ? ` value="${f * 3}"` : type === 'date' ? ' value="2026-12-05"' : ` value="${words(1)}"`;
      html += `<label class="${cls()}">${words(1)} <input type="${type}" name="f${serial}-${f}" class="${cls()}"${value}></label>`;
    }
    return html + `<select class="${cls()}"><option>${pick(WORDS)}</option><option>${pick(WORDS)}</option></select></fieldset><button type="button">${pick(WORDS)}</button></form>`;
  };
  const paragraph = () => {
    count += 3;
    return `<p class="${cls()}">${words(10)} <strong>${words(2)}</strong> ${words(6)} <a href="/docs/${serial}">${words(2)}</a> ${words(4)}.</p>`;
  };
  // A section: a heading, two or three blocks, and up to two nested sections.
  const section = (depth) => {
    serial++;
    count += 4;
    let html = `<section class="${cls()}" id="s${serial}"><h${depth + 2}>${icon(serial)}${words(3)}</h${depth + 2}>`;
    const blocks = 2 + Math.floor(random() * 2);
    for (let b = 0; b < blocks; b++) html += pick([list, table, form, paragraph, paragraph])();
    if (depth < 2) for (let n = Math.floor(random() * 3); n > 0 && count < elements; n--) html += section(depth + 1);
    return html + '</section>';
  };

  // html, head, meta, title, style, body, div.page, h1
  count = 8;
  const parts = [];
  while (count < elements) parts.push(section(0));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${head}<title>Many elements</title>
<style>
${css}
</style></head><body><div class="page"><h1 class="k0">Many elements</h1>
${parts.join('\n')}
</div></body></html>`;
}
