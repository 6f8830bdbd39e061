// Privacy inside the recording: rrweb's events leave the page with the URLs of
// the recorded DOM redacted like every other URL, and with emails and card
// numbers in text masked unless the site turns that off.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {redactRecordedEvent, redactSnapshotNode} from '../lib/redactRecordedEvent';
import {redactAlso} from '../lib/redactUrl';
import type {RecordedEvent} from '../types';

(globalThis as {location?: {href: string}}).location = {href: 'https://shop.example.com/cart'};

const CARD = '4111 1111 1111 1111';
const EMAIL = 'ann.lee+shop@example.co.uk';

let nextId = 1;
const element = (tagName: string, attributes: Record<string, unknown>, childNodes: unknown[] = []) => ({type: 2, id: nextId++, tagName, attributes, childNodes});
const text = (textContent: string, isStyle?: boolean) => ({type: 3, id: nextId++, textContent, ...(isStyle ? {isStyle} : {})});
const snapshot = (...body: unknown[]): RecordedEvent => ({
  type: 2,
  data: {node: {type: 0, id: nextId++, childNodes: [element('html', {}, [element('body', {}, body)])]}, initialOffset: {top: 0, left: 0}},
  timestamp: 1,
});
const mutation = (data: object): RecordedEvent => ({type: 3, data: {source: 0, texts: [], attributes: [], removes: [], adds: [], ...data}, timestamp: 1});
const incremental = (data: object): RecordedEvent => ({type: 3, data, timestamp: 1});

/** The attributes of the one element in a redacted snapshot of it. */
function redactedAttributes(attributes: Record<string, unknown>, tagName = 'div', maskText = true) {
  const node = element(tagName, attributes);
  redactRecordedEvent(snapshot(node), maskText);
  return node.attributes;
}

test('redacts secret-looking query values in href, src, action, formaction, poster, data and xlink:href, and keeps the rest of each URL', () => {
  assert.deepEqual(
    redactedAttributes({
      href: '/reset?token=abc&step=2',
      src: 'https://cdn.example/x.png?key=K&w=200',
      action: 'https://shop.example.com/login?session=S1',
      formaction: '/pay?auth=A1#done',
      poster: 'https://cdn.example/p.jpg?sig=G1',
      data: '/file.svg?api_key=K2',
      'xlink:href': 'https://cdn.example/s.svg?credential=C1#icon',
      class: 'token=kept',
    }),
    {
      href: '/reset?token=[redacted]&step=2',
      src: 'https://cdn.example/x.png?key=[redacted]&w=200',
      action: 'https://shop.example.com/login?session=[redacted]',
      formaction: '/pay?auth=[redacted]#done',
      poster: 'https://cdn.example/p.jpg?sig=[redacted]',
      data: '/file.svg?api_key=[redacted]',
      'xlink:href': 'https://cdn.example/s.svg?credential=[redacted]#icon',
      class: 'token=kept',
    },
  );
});

test('redacts fragment parameters, drops user:password@, and leaves URLs without secrets as they were', () => {
  assert.deepEqual(
    redactedAttributes({
      href: '/callback#access_token=T2&state=ok',
      src: 'https://ann:PASSWORD1@cdn.example/a.png?w=1',
      action: 'search?q=shoes',
      formaction: '#section',
      poster: 'poster.jpg',
    }),
    {
      href: '/callback#access_token=[redacted]&state=ok',
      src: 'https://cdn.example/a.png?w=1',
      action: 'search?q=shoes',
      formaction: '#section',
      poster: 'poster.jpg',
    },
  );
});

test("redacts the names a site lists in captureNetwork.redactQueryParams in the DOM's URLs too", () => {
  redactAlso(['email']);
  try {
    assert.equal(redactedAttributes({href: '/u?email=ann%40example.com&page=2'}).href, '/u?email=[redacted]&page=2');
  } finally {
    redactAlso([]);
  }
});

test('redacts each candidate of a srcset and keeps its descriptors and commas', () => {
  assert.equal(
    redactedAttributes({srcset: 'https://cdn.example/a.png?token=T1 1x, /b.png?w=2&key=K2 2x,/c.png 3x'}, 'img').srcset,
    'https://cdn.example/a.png?token=[redacted] 1x, /b.png?w=2&key=[redacted] 2x,/c.png 3x',
  );
  assert.equal(redactedAttributes({srcset: '/a.png?token=T1, /b.png?sig=S2 2x'}, 'img').srcset, '/a.png?token=[redacted], /b.png?sig=[redacted] 2x');
});

test('redacts url() in a style attribute, quoted or not, and keeps the rest of the style', () => {
  assert.equal(
    redactedAttributes({style: 'background: url("/bg.png?token=T1") no-repeat; mask: url(/m.svg?key=K1#x); cursor: url(\'/c.cur?session=S1\'), auto; color: #fff'}).style,
    'background: url("/bg.png?token=[redacted]") no-repeat; mask: url(/m.svg?key=[redacted]#x); cursor: url(\'/c.cur?session=[redacted]\'), auto; color: #fff',
  );
});

test("redacts url() and @import in stylesheets: a link's or style's _cssText and a <style>'s text", () => {
  const link = element('link', {_cssText: '@import "https://cdn.example/base.css?token=T1"; .hero { background-image: url(https://cdn.example/h.png?key=K1); }'});
  const css = text('.a { background: url("/a.png?sig=S1") } .b[title="ann@example.com"] { color: red }', true);
  const style = element('style', {}, [css]);
  redactRecordedEvent(snapshot(link, style), true);
  assert.equal(link.attributes._cssText, '@import "https://cdn.example/base.css?token=[redacted]"; .hero { background-image: url(https://cdn.example/h.png?key=[redacted]); }');
  // CSS is not masked: a selector or content may look like an email and must still work.
  assert.equal(css.textContent, '.a { background: url("/a.png?sig=[redacted]") } .b[title="ann@example.com"] { color: red }');
});

test('redacts what a mutation adds (a whole subtree), the attributes it changes and the style properties it changes', () => {
  const link = element('a', {href: '/reset?token=abc'}, [text(`mail ${EMAIL}`)]);
  const event = mutation({
    adds: [{parentId: 1, nextId: null, node: element('div', {title: `card ${CARD}`}, [link])}],
    attributes: [
      {id: 7, attributes: {src: 'https://cdn.example/x.png?key=K', alt: EMAIL}},
      {id: 8, attributes: {style: {'background-image': 'url(/x.png?token=T3)', mask: ['url(/m.png?auth=A3)', 'important'], color: false}}},
    ],
  });
  redactRecordedEvent(event, true);
  const data = event.data as any;
  assert.equal(data.adds[0].node.attributes.title, `card ${'**** **** **** ****'}`);
  assert.equal(data.adds[0].node.childNodes[0].attributes.href, '/reset?token=[redacted]');
  assert.equal(data.adds[0].node.childNodes[0].childNodes[0].textContent, `mail ${'*'.repeat(EMAIL.length)}`);
  assert.deepEqual(data.attributes[0].attributes, {src: 'https://cdn.example/x.png?key=[redacted]', alt: '*'.repeat(EMAIL.length)});
  assert.deepEqual(data.attributes[1].attributes.style, {'background-image': 'url(/x.png?token=[redacted])', mask: ['url(/m.png?auth=[redacted])', 'important'], color: false});
});

test("masks emails and card numbers in a mutation's text changes, and redacts url() in them (a <style>'s text may change)", () => {
  const event = mutation({texts: [{id: 3, value: `Paid with ${CARD}, receipt to ${EMAIL}`}, {id: 4, value: '.x { background: url(/y.png?token=T4) }'}, {id: 5, value: null}]});
  redactRecordedEvent(event, true);
  assert.deepEqual((event.data as any).texts, [
    {id: 3, value: `Paid with **** **** **** ****, receipt to ${'*'.repeat(EMAIL.length)}`},
    {id: 4, value: '.x { background: url(/y.png?token=[redacted]) }'},
    {id: 5, value: null},
  ]);
});

test('redacts url() in CSSOM events: inserted rules, replaceSync, declarations and adopted style sheets', () => {
  const rules = incremental({source: 8, id: 3, adds: [{rule: '.a { background: url(/a.png?token=T5) }', index: 0}], replaceSync: '.b { background: url(/b.png?key=K5) }'});
  const declaration = incremental({source: 13, id: 3, index: [0], set: {property: 'background', value: 'url(/c.png?sig=S5)', priority: ''}});
  const adopted = incremental({source: 15, id: 1, styleIds: [1], styles: [{styleId: 1, rules: [{rule: '.d { background: url(/d.png?auth=A5) }', index: 0}]}]});
  for (const event of [rules, declaration, adopted]) redactRecordedEvent(event, true);
  assert.deepEqual((rules.data as any).adds, [{rule: '.a { background: url(/a.png?token=[redacted]) }', index: 0}]);
  assert.equal((rules.data as any).replaceSync, '.b { background: url(/b.png?key=[redacted]) }');
  assert.equal((declaration.data as any).set.value, 'url(/c.png?sig=[redacted])');
  assert.equal((adopted.data as any).styles[0].rules[0].rule, '.d { background: url(/d.png?auth=[redacted]) }');
});

test("redacts rrweb's record of the page URL", () => {
  const meta: RecordedEvent = {type: 4, data: {href: 'https://ann:PW@shop.example.com/reset?token=T6', width: 800, height: 600}, timestamp: 1};
  redactRecordedEvent(meta, true);
  assert.deepEqual(meta.data, {href: 'https://shop.example.com/reset?token=[redacted]', width: 800, height: 600});
});

test('masks emails in text with a * for each character, keeping the text around them', () => {
  const node = text(`Write to ${EMAIL} or bob@example.com.`);
  redactRecordedEvent(snapshot(node), true);
  assert.equal(node.textContent, `Write to ${'*'.repeat(EMAIL.length)} or ***************.`);
});

test('masks 13-19 digit runs that pass the Luhn check, with spaces or dashes, and leaves the others', () => {
  const cases: Array<[string, string]> = [
    [`card ${CARD} exp 12/30`, 'card **** **** **** **** exp 12/30'],
    ['card 4111-1111-1111-1111.', 'card *******************.'],
    ['amex 378282246310005', 'amex ***************'],
    ['19 digits 6011111111111111110', '19 digits *******************'],
    // Luhn-invalid, too short, too long: not card numbers.
    ['order 4111 1111 1111 1112', 'order 4111 1111 1111 1112'],
    ['phone 4111111111', 'phone 4111111111'],
    ['id 41111111111111111111111', 'id 41111111111111111111111'],
  ];
  for (const [input, expected] of cases) {
    const node = text(input);
    redactRecordedEvent(snapshot(node), true);
    assert.equal(node.textContent, expected, input);
  }
});

test('masks emails and card numbers in readable attributes and mailto: links', () => {
  assert.deepEqual(
    redactedAttributes({title: `card ${CARD}`, alt: EMAIL, placeholder: `e.g. ${EMAIL}`, 'aria-label': EMAIL, value: CARD, href: `mailto:${EMAIL}`, 'data-user': 'ann'}, 'button'),
    {
      title: 'card **** **** **** ****',
      alt: '*'.repeat(EMAIL.length),
      placeholder: `e.g. ${'*'.repeat(EMAIL.length)}`,
      'aria-label': '*'.repeat(EMAIL.length),
      value: '**** **** **** ****',
      href: `mailto:${'*'.repeat(EMAIL.length)}`,
      'data-user': 'ann',
    },
  );
  // An image named like an email still loads.
  assert.equal(redactedAttributes({src: '/img/logo@2x.png'}, 'img').src, '/img/logo@2x.png');
});

test('with maskEmailsAndCards off, emails and card numbers stay, and URLs are still redacted', () => {
  const node = text(`Paid with ${CARD}, receipt to ${EMAIL}`);
  const link = element('a', {href: '/reset?token=abc', title: EMAIL}, [node]);
  redactRecordedEvent(snapshot(link), false);
  assert.equal(node.textContent, `Paid with ${CARD}, receipt to ${EMAIL}`);
  assert.deepEqual(link.attributes, {href: '/reset?token=[redacted]', title: EMAIL});
});

test('redacting a snapshot node by node, children first, gives what redacting the whole snapshot gives', () => {
  const page = () => {
    nextId = 1000;
    return snapshot(
      element('a', {href: '/reset?token=abc', title: `Mail ${EMAIL}`}, [text(`card ${CARD}`)]),
      element('style', {_cssText: '.a { background: url(/a.png?sig=S1) }'}, [text('.b { background: url("/b.png?key=K") }', true)]),
      element('img', {src: 'https://u:p@cdn.example/i.png?token=T', srcset: '/s.png?sig=1 1x, /t.png 2x', alt: EMAIL}),
      element('div', {style: 'background: url(/bg.png?token=X)'}, [text(`plain text`), text(`${EMAIL} wrote`)]),
    );
  };
  const whole = page();
  redactRecordedEvent(whole, true);
  const byNode = page();
  const visit = (node: {childNodes?: object[]}) => {
    node.childNodes?.forEach(visit);
    redactSnapshotNode(node as Record<string, unknown>, true);
  };
  visit((byNode.data as {node: object}).node);
  assert.deepEqual(byNode, whole);
  assert.notDeepEqual(byNode, page());
});

test('passes events without DOM untouched', () => {
  const events: RecordedEvent[] = [
    incremental({source: 1, positions: [{x: 1, y: 2, id: 3, timeOffset: 0}]}),
    incremental({source: 5, id: 3, text: EMAIL, isChecked: false}),
    {type: 5, data: {tag: 'tracker.event', payload: {email: EMAIL}}, timestamp: 1},
  ];
  const before = JSON.stringify(events);
  for (const event of events) assert.equal(redactRecordedEvent(event, true), event);
  assert.equal(JSON.stringify(events), before);
});
