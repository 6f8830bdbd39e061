// Builds everything in dist/ (SPEC section 4):
//   snippet.html   the paste-able <script> block with three placeholders
//   loader.min.js  the minified loader alone
//   tracker.js     the bundle for the snippet (IIFE, minified, source map)
//   tracker.mjs    the same tracker as an ES module, for bundler users
//   tracker-canvas.js  canvas snapshots, loaded beside the bundle with captureCanvas
//   collector.js   the collector, runnable with node
//   viewer/        the replay viewer's assets, served by the collector
import {build} from 'esbuild';
import {minify} from 'terser';
import {buildBrowserBundle} from './scripts/browserBundle.mjs';
import {parse} from 'acorn';
import {OPTIONS_SLOT} from './loader/fillSnippet.mjs';
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync('dist', {recursive: true});

async function buildLoader() {
  const source = readFileSync('loader/loader.js', 'utf8');
  // Tag managers' custom-HTML sandboxes reject anything newer than ES5.
  parse(source, {ecmaVersion: 5});
  const {code} = await minify(source, {
    ecma: 5,
    toplevel: true,
    compress: {passes: 3, unsafe: true, unsafe_comps: true},
    mangle: true,
    format: {quote_style: 1},
  });
  parse(code, {ecmaVersion: 5});
  // fillSnippet finds the init options right after the ingest point.
  if (!code.includes(OPTIONS_SLOT)) throw new Error(`the minified loader lost its options slot ${OPTIONS_SLOT}`);
  writeFileSync('dist/loader.min.js', code + '\n');
  // No trailing newline: every byte of the snippet is the site owner's.
  writeFileSync('dist/snippet.html', `<script>${code}</script>`);
}

async function buildTracker() {
  const define = {__TRACKER_VERSION__: JSON.stringify(pkg.version)};
  const bundles = [
    {entry: 'bundle/index.ts', name: 'tracker.js', format: 'iife'},
    {entry: 'bundle/createTracker.ts', name: 'tracker.mjs', format: 'esm'},
    // captureCanvas's snapshotter, loaded by the bundle only when the option is on.
    {entry: 'bundle/canvas/index.ts', name: 'tracker-canvas.js', format: 'iife'},
  ];
  for (const bundle of bundles) {
    const {code, map} = await buildBrowserBundle({...bundle, define});
    writeFileSync(`dist/${bundle.name}`, code);
    writeFileSync(`dist/${bundle.name}.map`, map);
  }
}

function buildCollector() {
  return build({
    entryPoints: ['collector/main.ts'],
    outfile: 'dist/collector.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}

async function buildViewer() {
  mkdirSync('dist/viewer', {recursive: true});
  copyFileSync('collector/viewer/index.html', 'dist/viewer/index.html');
  await build({
    entryPoints: ['collector/viewer/app.ts'],
    outdir: 'dist/viewer',
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome100'],
    loader: {'.css': 'css'},
    logLevel: 'warning',
  });
}

await Promise.all([buildLoader(), buildTracker(), buildCollector(), buildViewer()]);
console.log('built dist/: snippet.html, loader.min.js, tracker.js, tracker.mjs, collector.js');
