// Assist's page-side logic that runs without a browser: the tab id kept
// across page loads, the event stream's batching, the texts, and the rules
// that refuse an agent's input.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {streamEvents} from '../assist/streamEvents';
import {assistTexts, DEFAULT_ASSIST_TEXTS, fillText} from '../assist/assistTexts';
import {refusal} from '../assist/applyInput';
import {claimTabID} from '../sessionStore';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeTab() {
  const store = new Map<string, string>();
  const listeners: Record<string, (() => void)[]> = {};
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => store.set(key, value),
      removeItem: (key: string) => store.delete(key),
    },
    addEventListener: (type: string, listener: () => void) => (listeners[type] ??= []).push(listener),
  });
  return {
    store,
    pagehide: () => listeners.pagehide?.forEach((listener) => listener()),
  };
}

test('the tab id survives a reload of the tab', () => {
  const tab = fakeTab();
  const first = claimTabID();
  tab.pagehide();
  assert.equal(claimTabID(), first);
});

test('a duplicated tab gets a tab id of its own', () => {
  const tab = fakeTab();
  const original = claimTabID();
  // Duplicating copies sessionStorage while the original page still holds its id.
  const copy = new Map(tab.store);
  tab.store.clear();
  for (const [key, value] of copy) tab.store.set(key, value);
  assert.notEqual(claimTabID(), original);
});

test('events recorded within 50 ms go out as one frame, made of their JSON as it was given', async () => {
  const frames: unknown[] = [];
  const stream = streamEvents((frame) => frames.push(JSON.parse(frame)), 50);
  stream.add(JSON.stringify({type: 3, timestamp: 1}));
  stream.add(JSON.stringify({type: 3, timestamp: 2}));
  assert.equal(frames.length, 0);
  await sleep(80);
  assert.deepEqual(frames, [{t: 'ev', events: [{type: 3, timestamp: 1}, {type: 3, timestamp: 2}]}]);
  stream.add(JSON.stringify({type: 3, timestamp: 3}));
  await sleep(80);
  assert.equal(frames.length, 2);
});

test('a cleared stream sends nothing of what it held', async () => {
  const frames: string[] = [];
  const stream = streamEvents((frame) => frames.push(frame), 20);
  stream.add(JSON.stringify({type: 3, timestamp: 1}));
  stream.clear();
  await sleep(40);
  stream.flush();
  assert.deepEqual(frames, []);
});

test("the site's texts replace the defaults; anything but a string is ignored", () => {
  const texts = assistTexts({allow: 'Erlauben', deny: 42, unknown: 'x'});
  assert.equal(texts.allow, 'Erlauben');
  assert.equal(texts.deny, DEFAULT_ASSIST_TEXTS.deny);
  assert.equal((texts as unknown as Record<string, unknown>).unknown, undefined);
  assert.equal(fillText('{agent} and {agent}', 'Ann'), 'Ann and Ann');
});

// Just enough of an element for the refusal rules: closest() over a parent chain.
interface FakeElement {
  matches(selector: string): boolean;
  parent: FakeElement | null;
  href?: string;
}
function fakeElement(matching: string[], parent: FakeElement | null = null, href?: string) {
  const self: any = {
    isConnected: true,
    ownerDocument: (globalThis as any).document,
    parent,
    matches: (selector: string) => selector.split(',').some((part) => matching.includes(part)),
    closest(selector: string) {
      for (let node = self; node; node = node.parent) if (node.matches(selector)) return node;
      return null;
    },
    getAttribute: (name: string) => (name === 'href' ? (href ?? null) : null),
    contains: (other: any) => {
      for (let node = other; node; node = node.parent) if (node === self) return true;
      return false;
    },
  };
  return self;
}
(globalThis as any).document ??= {};
const BLOCK = '.tracker-block,[data-tracker-block],input[type=password i],.secret';

test('input into a password field is refused', () => {
  assert.equal(refusal(fakeElement(['input[type=password i]']), BLOCK, null), 'a password field');
});

test('input inside a blocked element is refused', () => {
  const blocked = fakeElement(['.secret']);
  assert.equal(refusal(fakeElement([], blocked), BLOCK, null), 'a blocked element');
});

test("input on the tracker's own UI is refused", () => {
  const ui = fakeElement([]);
  assert.equal(refusal(fakeElement([], ui), '', ui), "the tracker's own UI");
});

test('a click on a javascript: link is refused, whatever its case and leading spaces', () => {
  const link = fakeElement(['a[href]'], null, '  JavaScript:alert(1)');
  assert.equal(refusal(fakeElement([], link), BLOCK, null), 'a javascript: link');
  assert.equal(refusal(fakeElement([], fakeElement(['a[href]'], null, '/help')), BLOCK, null), null);
});

test('an element that left the page, or of another document, is refused', () => {
  const gone = fakeElement([]);
  gone.isConnected = false;
  assert.equal(refusal(gone, BLOCK, null), 'not an element of the page');
  const foreign = fakeElement([]);
  foreign.ownerDocument = {};
  assert.equal(refusal(foreign, BLOCK, null), 'not an element of the page');
  assert.equal(refusal(null, BLOCK, null), 'not an element of the page');
});
