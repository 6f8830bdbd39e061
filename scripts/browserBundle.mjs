// How every browser bundle is built, for dist/ (build.mjs) and for the bench's
// comparison bundles alike, so that sizes and timings compare:
// esbuild bundles, terser then squeezes about 1.5 KB (gzipped) more out of the
// tracker than esbuild's minifier. Only safe compress options: rrweb reads
// layout properties for their side effects.
import {build} from 'esbuild';
import {minify} from 'terser';
import {readFileSync} from 'node:fs';

// rrweb inlines the source of its canvas worker, started from a blob: URL. We
// never record canvas (and a strict CSP forbids blob: workers), so the source
// is dropped: about 1 KB gzipped. Fails loudly if an rrweb upgrade moves it.
export const dropCanvasWorker = {
  name: 'drop-canvas-worker',
  setup(builder) {
    builder.onLoad({filter: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/}, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const stripped = source.replace(/const jsContent = '[^\n]*';\n/, "const jsContent = '';\n");
      if (stripped === source) throw new Error('rrweb canvas worker source not found: update dropCanvasWorker');
      // rrweb's canvas recording (its context patches, argument serializer and
      // CanvasManager) runs only with recordCanvas, which the tracker never
      // sets: captureCanvas is our own, separate file (bundle/canvas/). What
      // the recorder still calls on its CanvasManager stays, as no-ops.
      const from = stripped.indexOf('const canvasVarMap =');
      const to = stripped.indexOf('class StylesheetManager {');
      if (from < 0 || to < from) throw new Error('rrweb canvas recording code not found: update dropCanvasWorker');
      const noCanvas = 'class CanvasManager {\n  reset() {}\n  freeze() {}\n  unfreeze() {}\n  lock() {}\n  unlock() {}\n}\n';
      return {contents: keepNodesFast(dropInlinedPixels(stripped.slice(0, from) + noCanvas + stripped.slice(to))), loader: 'js'};
    });
  },
};

// The snapshot's copies of canvas pixels (recordCanvas) and of image pixels
// (inlineImages) as data URLs: the tracker sets neither option (its canvas
// capture is its own file), so both branches of the node serializer go, and
// with them the bytes the in-page redaction of the recorded DOM needed.
function dropInlinedPixels(source) {
  const from = source.indexOf('  if (tagName === "canvas" && recordCanvas) {');
  const to = source.indexOf('  if (["audio", "video"].includes(tagName)) {');
  if (from < 0 || to < from || !source.slice(from, to).includes('if (tagName === "img" && inlineImages) {')) {
    throw new Error("rrweb's canvas and inline image serialization not found as expected: update dropInlinedPixels");
  }
  return source.slice(0, from) + source.slice(to);
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

/**
 * Bundles `entry` and minifies it; resolves {code, map} (the map as JSON text,
 * pointing at `name`). `format` is 'iife' or 'esm'.
 */
export async function buildBrowserBundle({entry, name, format = 'iife', define = {}}) {
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
    plugins: [dropCanvasWorker],
  });
  const js = result.outputFiles.find((file) => !file.path.endsWith('.map'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'));
  const minified = await minify(js.text, {
    ecma: 2020,
    module: format === 'esm',
    toplevel: true,
    compress: {passes: 2},
    mangle: true,
    sourceMap: {content: map.text, filename: name, url: `${name}.map`},
  });
  return {code: minified.code + '\n', map: minified.map};
}
