// The "realistic page" of the page-load, start-latency and wire figures: an
// analytics dashboard of about 5,000 nodes with an external stylesheet, a large
// chart image (the LCP element), sparkline PNGs, SVG avatars and icons, a data
// table, an activity feed and a form; and a page script that keeps the DOM
// moving the way dashboards do (live numbers, a feed, sorting, paging,
// filtering). Every byte is generated here from a fixed seed.
import {makePng} from './makePng.mjs';
import {seededRandom} from './seededRandom.mjs';

const ORDER_ROWS = 250;
const FEED_ITEMS = 60;
const AVATARS = 12;
const KPIS = ['Revenue', 'Orders', 'Sessions', 'Conversion', 'Avg. order', 'Refunds', 'New customers', 'Churn'];
const RANGES = ['7d', '30d', '90d'];
const NAV = ['Overview', 'Orders', 'Customers', 'Products', 'Inventory', 'Campaigns', 'Reports', 'Funnels', 'Segments', 'Integrations', 'Billing', 'Settings'];
const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemi', 'Luca', 'Mei', 'Nora', 'Omar', 'Priya'];
const LAST = ['Okafor', 'Larsen', 'Moreau', 'Ivanov', 'Schmidt', 'Haddad', 'Hopper', 'Tanaka', 'Silva', 'Berg', 'Adeyemi', 'Rossi', 'Chen', 'Novak', 'Aziz', 'Patel'];
const STATUSES = ['paid', 'pending', 'shipped', 'refunded', 'cancelled'];
const PRODUCTS = ['Walnut desk', 'Linen throw', 'Ceramic mug set', 'Oak shelf', 'Wool rug', 'Desk lamp', 'Glass carafe', 'Cotton towels'];

const palette = ['#4f46e5', '#0891b2', '#16a34a', '#ea580c', '#db2777', '#7c3aed', '#0d9488', '#ca8a04'];
const hex = (color) => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));

function chartPng(seed, width, height, color) {
  const random = seededRandom(seed);
  const points = Array.from({length: 24}, () => 0.25 + random() * 0.6);
  const [r, g, b] = hex(color);
  return makePng(width, height, (x, y) => {
    const t = (x / width) * (points.length - 1);
    const i = Math.floor(t);
    const level = points[i] + (points[Math.min(i + 1, points.length - 1)] - points[i]) * (t - i);
    const top = height * (1 - level);
    if (Math.abs(y - top) < 2) return [r, g, b];
    if (y > top) return [255 - ((255 - r) >> 3), 255 - ((255 - g) >> 3), 255 - ((255 - b) >> 3)];
    if (y % Math.round(height / 6) === 0 || x % Math.round(width / 12) === 0) return [236, 238, 242];
    return [255, 255, 255];
  });
}

function avatarSvg(index) {
  const initials = FIRST[index % FIRST.length][0] + LAST[(index * 7) % LAST.length][0];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="${palette[index % palette.length]}"/><text x="32" y="41" font-family="sans-serif" font-size="24" text-anchor="middle" fill="#fff">${initials}</text></svg>`;
}

const logoSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32"><rect width="32" height="32" rx="8" fill="#4f46e5"/><path d="M8 24 L16 8 L24 24 Z" fill="#fff"/><text x="40" y="22" font-family="sans-serif" font-size="16" font-weight="700" fill="#111827">Acme</text></svg>`;

function css() {
  const rules = [
    `*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f3f4f6}`,
    `.topbar{display:flex;align-items:center;gap:24px;height:56px;padding:0 20px;background:#fff;border-bottom:1px solid #e5e7eb;position:sticky;top:0;z-index:10}`,
    `.search{flex:1}.search input{width:100%;max-width:480px;padding:8px 12px;border:1px solid #d1d5db;border-radius:8px;font:inherit}`,
    `.user{display:flex;align-items:center;gap:8px}.user img{border-radius:50%}`,
    `.layout{display:grid;grid-template-columns:220px 1fr;min-height:calc(100vh - 56px)}`,
    `.sidebar{background:#111827;color:#d1d5db;padding:16px 8px}.sidebar ul{list-style:none;margin:0;padding:0}`,
    `.sidebar li{display:flex;align-items:center;gap:10px;padding:8px 12px;border-radius:6px;cursor:pointer}.sidebar li.active,.sidebar li:hover{background:#1f2937;color:#fff}`,
    `.sidebar svg{width:18px;height:18px;fill:currentColor}`,
    `main{padding:20px;display:flex;flex-direction:column;gap:20px;min-width:0}`,
    `.card{background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:16px;box-shadow:0 1px 2px rgba(0,0,0,.04)}`,
    `.card h2{margin:0 0 12px;font-size:16px}.card h3{margin:0;font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.04em}`,
    `.hero img{display:block;width:100%;height:auto;border-radius:8px}`,
    `.tabs{display:flex;gap:4px;margin-bottom:12px}.tabs button,.toolbar button{padding:6px 12px;border:1px solid #d1d5db;background:#fff;border-radius:6px;font:inherit;cursor:pointer}`,
    `.tabs button.active{background:#4f46e5;border-color:#4f46e5;color:#fff}`,
    `.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:16px}`,
    `.kpi .value{font-size:24px;font-weight:700;margin:6px 0 2px}.kpi .delta{margin:0 0 8px;font-size:12px}.kpi img{width:100%;height:48px}`,
    `.up{color:#16a34a}.down{color:#dc2626}`,
    `.grid2{display:grid;grid-template-columns:2fr 1fr;gap:20px}`,
    `.toolbar{display:flex;gap:8px;margin-bottom:8px}.toolbar select{padding:6px;border-radius:6px;border:1px solid #d1d5db;font:inherit}`,
    `table{width:100%;border-collapse:collapse;font-size:13px}th{text-align:left;color:#6b7280;font-weight:600;border-bottom:1px solid #e5e7eb;padding:8px}`,
    `td{padding:6px 8px;border-bottom:1px solid #f3f4f6;white-space:nowrap}td img{width:24px;height:24px;border-radius:50%;vertical-align:middle;margin-right:8px}`,
    `tr.hidden{display:none}tr:hover td{background:#f9fafb}`,
    `.badge{display:inline-block;padding:2px 8px;border-radius:999px;font-size:12px;font-weight:600}`,
    `.badge.paid{background:#dcfce7;color:#166534}.badge.pending{background:#fef9c3;color:#854d0e}.badge.shipped{background:#dbeafe;color:#1e40af}`,
    `.badge.refunded{background:#fee2e2;color:#991b1b}.badge.cancelled{background:#e5e7eb;color:#374151}`,
    `.feed ol{list-style:none;margin:0;padding:0;max-height:900px;overflow:auto}.feed li{display:flex;gap:10px;padding:8px 0;border-bottom:1px solid #f3f4f6}`,
    `.feed img{width:32px;height:32px;border-radius:50%}.feed time{display:block;color:#9ca3af;font-size:12px}`,
    `.note{display:flex;flex-direction:column;gap:8px;margin-top:16px}.note textarea,.note input{font:inherit;padding:8px;border:1px solid #d1d5db;border-radius:8px}`,
    `.note textarea{min-height:80px}`,
    `footer{padding:24px;color:#6b7280;text-align:center}`,
  ];
  // Utility classes, as a CSS framework ships them: most unused by the page,
  // but parsed, and serialized by rrweb with the stylesheet.
  for (let i = 0; i <= 48; i++) {
    for (const [name, property] of [['m', 'margin'], ['p', 'padding'], ['gap', 'gap'], ['w', 'width'], ['h', 'height']]) {
      rules.push(`.${name}-${i}{${property}:${i * 4}px}`);
    }
  }
  for (const [i, color] of palette.entries()) {
    rules.push(`.text-c${i}{color:${color}}.bg-c${i}{background-color:${color}}.border-c${i}{border-color:${color}}`);
  }
  return rules.join('\n');
}

/** path -> bytes of every asset the dashboard loads. */
export function dashboardAssets() {
  const assets = new Map();
  assets.set('/assets/dashboard.css', css());
  assets.set('/assets/logo.svg', logoSvg);
  for (const [i, range] of RANGES.entries()) assets.set(`/assets/chart-${range}.png`, chartPng(100 + i, 1100, 360, palette[0]));
  for (let i = 0; i < KPIS.length; i++) assets.set(`/assets/spark-${i}.png`, chartPng(200 + i, 240, 48, palette[i]));
  for (let i = 0; i < AVATARS; i++) assets.set(`/assets/avatar-${i}.svg`, avatarSvg(i));
  return assets;
}

const icon = (i) =>
  `<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M${3 + (i % 4)} ${4 + (i % 3)}h${14 - (i % 5)}v${12 + (i % 4)}H${3 + (i % 4)}z M8 ${8 + (i % 6)}h8v2H8z"/></svg>`;

function orderRows(random) {
  const rows = [];
  for (let i = 0; i < ORDER_ROWS; i++) {
    const person = Math.floor(random() * FIRST.length);
    const name = `${FIRST[person]} ${LAST[(person * 7 + i) % LAST.length]}`;
    const status = STATUSES[Math.floor(random() * STATUSES.length)];
    const amount = (20 + random() * 980).toFixed(2);
    const day = 1 + Math.floor(random() * 28);
    rows.push(
      `<tr data-amount="${amount}" data-status="${status}"><td><a href="#order-${10400 + i}">#${10400 + i}</a></td>` +
        `<td><img src="/assets/avatar-${person % AVATARS}.svg" alt="">${name}</td><td>2024-05-${String(day).padStart(2, '0')}</td>` +
        `<td><span class="badge ${status}">${status}</span></td><td>${PRODUCTS[i % PRODUCTS.length]} × ${1 + (i % 4)}</td>` +
        `<td class="amount">$${amount}</td><td><button type="button" class="view">View</button></td></tr>`,
    );
  }
  return rows.join('');
}

function feedItems(random) {
  const items = [];
  for (let i = 0; i < FEED_ITEMS; i++) {
    const person = Math.floor(random() * FIRST.length);
    items.push(
      `<li><img src="/assets/avatar-${person % AVATARS}.svg" alt=""><div><strong>${FIRST[person]}</strong> ` +
        `${['placed an order', 'left a review', 'opened a ticket', 'updated billing', 'joined the beta'][i % 5]} ` +
        `for <em>${PRODUCTS[(i * 3) % PRODUCTS.length]}</em><time>${1 + i} min ago</time></div></li>`,
    );
  }
  return items.join('');
}

// The page's own behaviour: live numbers every second, a feed item every two,
// and the controls a user clicks and types into (the wire figure drives them).
const pageScript = `
(function () {
  var kpis = document.querySelectorAll('[data-kpi]');
  var feed = document.getElementById('feed');
  var tbody = document.getElementById('orders');
  var ticks = 0;
  setInterval(function () {
    ticks++;
    for (var i = 0; i < kpis.length; i++) {
      var base = Number(kpis[i].getAttribute('data-base'));
      kpis[i].textContent = (base * (1 + Math.sin(ticks + i) * 0.03)).toFixed(i === 3 ? 2 : 0);
    }
    if (ticks % 2 === 0) {
      var item = feed.firstElementChild.cloneNode(true);
      item.querySelector('time').textContent = 'just now (' + ticks + ')';
      feed.insertBefore(item, feed.firstElementChild);
      feed.lastElementChild.remove();
    }
  }, 1000);
  document.querySelector('.tabs').addEventListener('click', function (event) {
    var button = event.target.closest('button');
    if (!button) return;
    document.querySelectorAll('.tabs button').forEach(function (b) { b.classList.toggle('active', b === button); });
    document.getElementById('hero-chart').src = '/assets/chart-' + button.getAttribute('data-range') + '.png';
  });
  document.getElementById('sort').addEventListener('click', function () {
    var rows = Array.prototype.slice.call(tbody.rows);
    var descending = this.getAttribute('data-desc') !== '1';
    this.setAttribute('data-desc', descending ? '1' : '0');
    rows.sort(function (a, b) { return (a.getAttribute('data-amount') - b.getAttribute('data-amount')) * (descending ? -1 : 1); });
    rows.forEach(function (row) { tbody.appendChild(row); });
  });
  document.getElementById('next-page').addEventListener('click', function () {
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.push(rows.shift());
    tbody.textContent = '';
    rows.forEach(function (row, i) {
      var copy = row.cloneNode(true);
      copy.cells[0].firstChild.textContent = '#' + (20000 + i + Math.floor(Math.random() * 1000));
      tbody.appendChild(copy);
    });
  });
  function filter() {
    var query = document.getElementById('search').value.toLowerCase();
    var status = document.getElementById('status-filter').value;
    for (var i = 0; i < tbody.rows.length; i++) {
      var row = tbody.rows[i];
      var visible = (!status || row.getAttribute('data-status') === status) && (!query || row.textContent.toLowerCase().indexOf(query) >= 0);
      row.classList.toggle('hidden', !visible);
    }
  }
  document.getElementById('search').addEventListener('input', filter);
  document.getElementById('status-filter').addEventListener('change', filter);
  document.querySelector('.sidebar ul').addEventListener('click', function (event) {
    var item = event.target.closest('li');
    if (!item) return;
    document.querySelectorAll('.sidebar li').forEach(function (li) { li.classList.toggle('active', li === item); });
  });
  document.getElementById('save-note').addEventListener('click', function () {
    var li = document.createElement('li');
    li.innerHTML = '<div><strong>You</strong> wrote a note<time>just now</time></div>';
    li.querySelector('div').appendChild(document.createTextNode(' ' + document.getElementById('note').value.length + ' characters'));
    feed.insertBefore(li, feed.firstElementChild);
  });
})();
`;

/** The dashboard's HTML; `head` goes first in <head> (where the snippet is pasted). */
export function dashboardPage({head = ''} = {}) {
  const random = seededRandom(42);
  const kpiBases = [48210, 1893, 73112, 3.41, 87, 112, 640, 2.2];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${head}
<title>Acme Analytics — Overview</title>
<link rel="stylesheet" href="/assets/dashboard.css">
</head><body>
<header class="topbar"><img class="logo" src="/assets/logo.svg" width="120" height="32" alt="Acme">
<form class="search" role="search" onsubmit="return false"><input id="search" type="search" placeholder="Search orders and customers" autocomplete="off"></form>
<div class="user"><img src="/assets/avatar-0.svg" width="32" height="32" alt=""><span>Dana Ops</span></div></header>
<div class="layout">
<aside class="sidebar"><ul>${NAV.map((name, i) => `<li class="${i === 0 ? 'active' : ''}">${icon(i)}<span>${name}</span></li>`).join('')}</ul></aside>
<main>
<section class="card hero"><h2>Sessions over time</h2>
<div class="tabs">${RANGES.map((range, i) => `<button type="button" data-range="${range}" class="${i === 0 ? 'active' : ''}">${range}</button>`).join('')}</div>
<img id="hero-chart" src="/assets/chart-7d.png" width="1100" height="360" alt="Sessions per day"></section>
<section class="kpis">${KPIS.map(
    (name, i) =>
      `<article class="card kpi"><h3>${name}</h3><p class="value" data-kpi="${i}" data-base="${kpiBases[i]}">${kpiBases[i]}</p>` +
      `<p class="delta ${i % 3 ? 'up' : 'down'}">${i % 3 ? '+' : '−'}${(1 + i * 0.7).toFixed(1)}% vs last week</p>` +
      `<img src="/assets/spark-${i}.png" width="240" height="48" alt=""></article>`,
  ).join('')}</section>
<section class="grid2">
<section class="card orders"><h2>Recent orders</h2>
<div class="toolbar"><select id="status-filter"><option value="">All statuses</option>${STATUSES.map((s) => `<option>${s}</option>`).join('')}</select>
<button type="button" id="sort">Sort by amount</button><button type="button" id="next-page">Next page</button></div>
<table><thead><tr><th>Order</th><th>Customer</th><th>Date</th><th>Status</th><th>Items</th><th>Amount</th><th></th></tr></thead>
<tbody id="orders">${orderRows(random)}</tbody></table></section>
<section class="card feed"><h2>Activity</h2><ol id="feed">${feedItems(random)}</ol>
<form class="note" onsubmit="return false"><label for="note">Note to the team</label><textarea id="note"></textarea>
<input id="email" type="email" placeholder="Notify (email)"><input id="card" type="password" placeholder="Approval PIN">
<button type="button" id="save-note">Save note</button></form></section>
</section>
</main></div>
<footer>Acme Analytics · bench page generated by bench/lib/dashboardPage.mjs</footer>
<script>${pageScript}</script>
</body></html>`;
}
