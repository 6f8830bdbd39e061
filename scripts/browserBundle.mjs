// How every browser bundle is built, for dist/ (build.mjs) and for the bench's
// comparison bundles alike, so that sizes and timings compare:
// esbuild bundles, terser then squeezes about 1.5 KB (gzipped) more out of the
// tracker than esbuild's minifier. Only safe compress options: rrweb reads
// layout properties for their side effects.
import {build} from 'esbuild';
import {minify} from 'terser';
import {readFileSync} from 'node:fs';
import {sliceRrwebSnapshot} from './sliceRrwebSnapshot.mjs';

// rrweb inlines the source of its canvas worker, started from a blob: URL. We
// never record canvas (and a strict CSP forbids blob: workers), so the source
// is dropped: about 1 KB gzipped. Fails loudly if an rrweb upgrade moves it.
// `sliceSnapshot: false` keeps rrweb's synchronous full snapshot: the test
// that holds the sliced one against it builds that variant.
export const patchRrweb = ({sliceSnapshot = true} = {}) => ({
  name: 'patch-rrweb',
  setup(builder) {
    builder.onLoad({filter: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/}, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const stripped = source.replace(/const jsContent = '[^\n]*';\n/, "const jsContent = '';\n");
      if (stripped === source) throw new Error('rrweb canvas worker source not found: update patchRrweb');
      // rrweb's canvas recording (its context patches, argument serializer and
      // CanvasManager) runs only with recordCanvas, which the tracker never
      // sets: captureCanvas is our own, separate file (bundle/canvas/). What
      // the recorder still calls on its CanvasManager stays, as no-ops.
      const from = stripped.indexOf('const canvasVarMap =');
      const to = stripped.indexOf('class StylesheetManager {');
      if (from < 0 || to < from) throw new Error('rrweb canvas recording code not found: update patchRrweb');
      const noCanvas = 'class CanvasManager {\n  reset() {}\n  freeze() {}\n  unfreeze() {}\n  lock() {}\n  unlock() {}\n}\n';
      const contents = checkElementMethodsAsMethods(keepNodesFast(dropUnusedRecording(stripped.slice(0, from) + noCanvas + stripped.slice(to))));
      return {contents: sliceSnapshot ? sliceRrwebSnapshot(contents) : contents, loader: 'js'};
    });
  },
});

// Recording options the tracker never sets, whose code goes at build time
// (each cut fails the build loudly if an rrweb upgrade moves its code):
// - recordCanvas and inlineImages: the snapshot's copies of canvas and image
//   pixels as data URLs (the tracker's canvas capture is its own file);
// - collectFonts: fonts added by script (FontFace);
// - recordCrossOriginIframes: events posted up from cross-origin frames that
//   run their own recorder;
// - hooks: callbacks of the page's own beside each observer's;
// - plugins: observers, event processors and mirrors of rrweb's plugins;
// - slimDOMOptions given as true or 'all' rather than the object we pass.
// What they freed is what the in-page redaction of the recorded DOM,
// Assist's live channel and the sliced snapshot needed in the bundle.
function dropUnusedRecording(source) {
  const cut = (text, from, to, name, replacement = '') => {
    const start = text.indexOf(from);
    const end = text.indexOf(to, start);
    if (start < 0 || end < start) throw new Error(`rrweb's ${name} code not found as expected: update dropUnusedRecording`);
    return text.slice(0, start) + replacement + text.slice(end);
  };
  let out = cut(source, '  if (tagName === "canvas" && recordCanvas) {', '  if (["audio", "video"].includes(tagName)) {', 'canvas and inline image serialization');
  if (out.includes('tagName === "img" && inlineImages')) throw new Error("rrweb's inline image serialization moved: update dropUnusedRecording");
  out = cut(out, '    if (o.collectFonts) {\n      fontObserver = initFontObserver(o);\n    }\n', '  }\n  const selectionObserver', 'font observer');
  out = cut(out, '  handleMessage(message) {', '  replace(iframeMirror, obj, iframeEl, keys) {', 'cross-origin iframe messages', '  handleMessage() {\n  }\n');
  out = cut(out, '  mergeHooks(o, hooks);\n', '  let mutationObserver;', 'observer hooks');
  out = cut(out, '  const pluginHandlers = [];\n', '  return callbackWrapper(() => {\n    mutationBuffers.forEach((b) => b.reset());', 'plugin observers');
  out = cut(out, '    pluginHandlers.forEach((h) => h());\n', '  });\n}\n', 'plugin observers stop');
  out = cut(out, '    for (const plugin of plugins || []) {\n      if (plugin.eventProcessor)', '    if (packFn &&', 'plugin event processors');
  out = cut(out, '  for (const plugin of plugins || []) {\n    if (plugin.getMirror)', '  const processedNodeManager = new ProcessedNodeManager();', 'plugin mirrors');
  out = cut(out, '          plugins: ((_a2 = plugins', '        },\n        hooks', 'plugins given to the observers');
  out = cut(out, '  if (_slimDOMOptions === true || _slimDOMOptions === "all") {', '    return _slimDOMOptions;', "slimDOMOptions' presets", '  if (_slimDOMOptions) {\n');
  return out;
}

// rrweb deletes `needBlock` from every element node it serializes once it has
// read it. Deleting a property other than the last one added turns a V8 object
// into a dictionary, and JSON.stringify of such objects is about 2.5 times
// slower: the tracker stringifies every node rrweb records (full snapshots and
// added nodes alike). Set to undefined instead, the property is left out of
// the JSON all the same, so what is sent does not change by a byte; nothing
// else in rrweb reads it.
function keepNodesFast(source) {
  const deletion = 'delete serializedNode.needBlock;';
  if (source.split(deletion).length !== 2 || source.split('needBlock').length !== 6) {
    throw new Error("rrweb's needBlock deletion not found as expected: update keepNodesFast");
  }
  return source.replace(deletion, 'serializedNode.needBlock = void 0;');
}

// rrweb checks that the DOM functions it calls are the browser's own before
// using them, else takes them from a hidden iframe it adds to the page. It
// lists Element's querySelector and querySelectorAll as accessors, which they
// are not, so the check always failed: every start added and removed an
// iframe (10-45 ms in one go on the bench pages, bench/NOTES.md figure 2).
// Listed as methods, as rrweb-io/rrweb#1802 proposes upstream.
function checkElementMethodsAsMethods(source) {
  const accessors = '  Element: ["shadowRoot", "querySelector", "querySelectorAll"],\n';
  const methods = '  Element: [],\n  MutationObserver: ["constructor"]';
  if (source.split(accessors).length !== 2 || source.split(methods).length !== 2) {
    throw new Error("rrweb's untainted Element checks not found as expected: update checkElementMethodsAsMethods");
  }
  return source.replace(accessors, '  Element: ["shadowRoot"],\n').replace(methods, '  Element: ["querySelector", "querySelectorAll"],\n  MutationObserver: ["constructor"]');
}

/**
 * Bundles `entry` and minifies it; resolves {code, map} (the map as JSON text,
 * pointing at `name`). `format` is 'iife' or 'esm'. `compiledOnLoad` puts
 * V8's compile hint first in the file (`//# allFunctionsCalledOnLoad`, since
 * Chrome 136): every function is compiled while the file streams in, off the
 * main thread, instead of on the main thread at its first call. For a file
 * whose functions mostly run as it starts: on the 20,000-element page of
 * bench figure 2 the tracker's first script went from 12.0 and 12.9 ms to
 * 6.5 and 7.2 (medians of 8 loads, two alternated pairs, bench/NOTES.md).
 * Other engines read a comment.
 */
export async function buildBrowserBundle({entry, name, format = 'iife', define = {}, sliceSnapshot = true, compiledOnLoad = false}) {
  const result = await build({
    entryPoints: [entry],
    outfile: name,
    write: false,
    bundle: true,
    minify: true,
    sourcemap: true,
    target: 'es2020',
    format,
    define,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [patchRrweb({sliceSnapshot})],
  });
  const js = result.outputFiles.find((file) => !file.path.endsWith('.map'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'));
  const minified = await minify(js.text, {
    ecma: 2020,
    module: format === 'esm',
    toplevel: true,
    compress: {passes: 2},
    mangle: true,
    // Terser shifts the source map by the preamble's line.
    format: compiledOnLoad ? {preamble: '//# allFunctionsCalledOnLoad'} : {},
    sourceMap: {content: map.text, filename: name, url: `${name}.map`},
  });
  return {code: minified.code + '\n', map: minified.map};
}
