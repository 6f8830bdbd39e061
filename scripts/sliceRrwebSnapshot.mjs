// The one change we make to how rrweb records the page: its full snapshot is
// taken in slices that yield to the page, instead of in one synchronous walk
// (a 250 ms task on a 5,600-node dashboard). Applied at build time to
// @rrweb/record's dist/record.js; each step throws, failing the build, if an
// rrweb upgrade moves the code it expects. bundle/slicedSnapshot.ts runs the
// slices; e2e/slicedSnapshot.spec.ts holds the result against rrweb's own
// synchronous snapshot, node for node.
//
// What changes, and why the result stays exact:
// 1. serializeNodeWithId becomes a generator that, inside a slice, yields
//    before each node; a function of the old name runs it through at once
//    for rrweb's other callers (added nodes, iframes). A generator copy of
//    snapshot() is the walk's entry. rrweb's serialization is otherwise
//    untouched, so every node is serialized exactly as rrweb serializes it.
// 2. Observers start before the snapshot rather than after it, and rrweb's
//    mutation buffers stay locked until it ends, as rrweb already does for
//    its checkouts: what the page changes meanwhile is recorded, and emitted
//    once the snapshot is, against its node ids.
// 3. A node is walked only if it is still where its parent's child list put
//    it and was not inserted after the walk began: such a node is in a locked
//    buffer, to be emitted as an added node. Nothing is recorded twice, and
//    every change of a node already walked follows the snapshot.
// 4. Other events of those milliseconds (clicks, scrolls, CSSOM rules on
//    nodes already walked) are held and emitted after the snapshot, in order;
//    Meta (URL and viewport) is emitted with the snapshot, so the two describe
//    the same moment. One snapshot at a time: a checkout asked for during one
//    is the one under way.
// 5. Each node is handed to snapshotNodeDone once its subtree is complete,
//    for the tracker to redact and stringify it piece by piece.
// 6. A stylesheet of many rules (a <style>, or the sheet of a <link>) is
//    turned into text a few rules per step, by rrweb's own stringifyRule, and
//    handed to rrweb's serializer when the walk reaches its node. It is used
//    only if no CSSOM edit rrweb watches (insertRule, deleteRule, replace,
//    setProperty...) happened meanwhile on any sheet, and the sheet and its
//    rule count are still the same; else rrweb stringifies it at once, as it
//    always did. Edits rrweb does not watch (assigning rule.style.color) it
//    does not record after a snapshot either.
import {fileURLToPath} from 'node:url';

const SLICES = fileURLToPath(new URL('../bundle/slicedSnapshot.ts', import.meta.url));

function between(source, from, to, name) {
  const start = source.indexOf(from);
  const end = source.indexOf(to, start + from.length);
  if (start < 0 || end < 0) throw new Error(`rrweb's ${name} not found as expected: update scripts/sliceRrwebSnapshot.mjs`);
  return {start, end: end + to.length, text: source.slice(start, end + to.length)};
}

function replaceExactly(text, from, to, count, name) {
  const parts = text.split(from);
  if (parts.length !== count + 1) throw new Error(`rrweb's ${name}: expected ${count} occurrence(s), found ${parts.length - 1}: update scripts/sliceRrwebSnapshot.mjs`);
  return parts.join(to);
}

export function sliceRrwebSnapshot(source) {
  // 1. serializeNodeWithId becomes the generator walkNodeWithId; a function of
  // the old name runs it through at once, for every other caller.
  const serialize = between(source, 'function serializeNodeWithId(n, options) {', '\n  return serializedNode;\n}\n', 'serializeNodeWithId');
  let walk = serialize.text.replace('function serializeNodeWithId(n, options) {', `function serializeNodeWithId(n, options) {
  const walk = walkNodeWithId(n, options);
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}
function* walkNodeWithId(n, options, listedIn) {
  if (inSlice()) {
    yield;
    if (listedIn && sliceSkips(n, listedIn)) return null;
    yield* stringifySheetInSteps(n, options);
  }`);
  walk = replaceExactly(walk, 'serializeNodeWithId(childN, bypassOptions)', '(yield* walkNodeWithId(childN, bypassOptions, n))', 2, 'recursion into children');
  walk = walk.replace(/\n  return serializedNode;\n\}\n$/, '\n  if (inSlice()) snapshotNodeDone(serializedNode);\n  return serializedNode;\n}\n');
  const entry = between(source, 'function snapshot(n, options) {', '\n  });\n}\n', 'snapshot()');
  const walkSnapshot = replaceExactly(entry.text.replace('function snapshot(n, options) {', 'function* walkSnapshot(n, options) {'), 'return serializeNodeWithId(n, {', 'return yield* walkNodeWithId(n, {', 1, 'snapshot() entry');
  // 3. Skipped: a node moved or removed since its parent listed it, or one a
  // (locked) mutation buffer holds as added or moved.
  const skips = `function sliceSkips(n, listedIn) {
  const at = index.parentNode(n);
  if (at !== listedIn && !(at && isShadowRoot(at) && index.host(at) === listedIn)) return true;
  return mutationBuffers.some((buffer) => buffer.addedSet.has(n) || buffer.movedSet.has(n));
}
`;
  let out = source.slice(0, serialize.start) + walk + source.slice(serialize.end, entry.end) + walkSnapshot + skips + STYLESHEET_STEPS + source.slice(entry.end);

  // 6. A big stylesheet in steps: rrweb's stringifyStylesheet takes the text
  // made in steps when it is still true, and every CSSOM hook notes an edit.
  out = replaceExactly(out, 'function stringifyStylesheet(s) {\n', `function stringifyStylesheet(s) {
  const stepped = steppedSheet;
  steppedSheet = null;
  if (stepped && stepped[0] === s && !sheetEdited && (s.rules || s.cssRules).length === stepped[1]) return fixBrowserCompatibilityIssuesInCSS(stepped[2]);
`, 1, 'stringifyStylesheet');
  out = replaceExactly(out, 'function getIdAndStyleId(sheet, mirror2, styleMirror) {\n', 'function getIdAndStyleId(sheet, mirror2, styleMirror) {\n  sheetEdited = true;\n', 1, 'getIdAndStyleId');

  // 4. Held events.
  out = replaceExactly(out, '  wrappedEmit = (r, isCheckout) => {\n', `  let heldEvents = null;
  wrappedEmit = (r, isCheckout) => {
    if (heldEvents && r.type !== EventType.FullSnapshot && r.type !== EventType.Meta) {
      heldEvents.push([r, isCheckout]);
      return;
    }
`, 1, 'wrappedEmit');

  // The snapshot itself: Meta moves to the end, the walk runs in slices.
  const take = between(out, '  takeFullSnapshot = (isCheckout = false) => {\n', '\n  };\n  try {\n', 'takeFullSnapshot');
  const meta = between(take.text, '    wrappedEmit(\n      {\n        type: EventType.Meta,', '      isCheckout\n    );\n', 'Meta event');
  const options = between(take.text, '    const node = snapshot(document, {', '\n    });\n    if (!node) {', 'snapshot options');
  const optionsText = options.text.slice('    const node = snapshot(document, '.length, -');\n    if (!node) {'.length);
  const full = between(take.text, '    wrappedEmit(\n      {\n        type: EventType.FullSnapshot,', '      isCheckout\n    );\n', 'FullSnapshot event');
  const adopted = between(take.text, '    if (document.adoptedStyleSheets', 'mirror.getId(document)\n      );\n', 'adopted style sheets');
  const head = between(take.text, '  takeFullSnapshot = (isCheckout = false) => {\n', '    mutationBuffers.forEach((buf) => buf.lock());\n', 'snapshot start');
  const start = head.text.replace(meta.text, '').replace('    if (!recordDOM) {\n', '    if (!recordDOM || heldEvents) {\n');
  if (start === head.text) throw new Error("rrweb's snapshot start not as expected: update scripts/sliceRrwebSnapshot.mjs");
  const sliced = `${start}    heldEvents = [];
    runSlices(walkSnapshot(document, ${optionsText}), () => mutationBuffers.forEach((buf) => buf.lock()), (node) => {
      const held = heldEvents;
      heldEvents = null;
      if (node) {
${indent(indent(meta.text))}${indent(indent(full.text))}      } else {
        console.warn("Failed to snapshot the document");
      }
      mutationBuffers.forEach((buf) => buf.unlock());
      held.forEach(([event, checkout]) => wrappedEmit(event, checkout));
${indent(adopted.text)}    });
  };
  try {
`;
  out = out.slice(0, take.start) + sliced + out.slice(take.end);

  // 2. Observers first; and stop() ends a snapshot under way.
  out = replaceExactly(out, '      takeFullSnapshot();\n      handlers.push(observe(document));\n', '      handlers.push(observe(document));\n      takeFullSnapshot();\n', 1, 'init()');
  out = replaceExactly(out, '      processedNodeManager.destroy();\n', '      processedNodeManager.destroy();\n      cancelSlices();\n      heldEvents = null;\n', 1, 'stop()');
  return `import {runSlices, cancelSlices, inSlice, snapshotNodeDone} from ${JSON.stringify(SLICES)};\n${out}`;
}

// 32 rules per step: about 8 µs each in Chromium (with their URLs made
// absolute), so a step stays well under a millisecond. A sheet of fewer than
// 64 rules is left to rrweb, at once.
const STYLESHEET_STEPS = `let sheetEdited = false;
let steppedSheet = null;
function* stringifySheetInSteps(n, options) {
  steppedSheet = null;
  const sheet = n.localName === "style" ? n.sheet : n.localName === "link" && Array.from(options.doc.styleSheets).find((s) => s.href === n.href);
  if (sheet) try {
    const rules = sheet.rules || sheet.cssRules;
    const count = rules.length;
    const href = sheet.href || sheet.ownerNode.baseURI;
    let text = "";
    if (count < 64) return;
    sheetEdited = false;
    for (let i = 0; i < count; i++) {
      if (i % 32 === 31) yield;
      text += stringifyRule(rules[i], href);
    }
    steppedSheet = [sheet, count, text];
  } catch (error) {
  }
}
`;

const indent = (text) => text.replace(/^(?=.)/gm, '  ');
