// Builds everything in dist/ (SPEC section 4), which is also what the npm
// package ships (package.json "files"):
//   snippet.html       the paste-able <script> block with three placeholders
//   snippet-sri.html   the same, which also sets the bundle's integrity (sha384)
//   loader.min.js      the minified loader alone
//   tracker.js         the bundle for the snippet (IIFE, minified, source map)
//   tracker.<hash>.js  the same bundle under a content-hashed name, the one to
//                      serve (cacheable forever); bundle.json names it and
//                      holds its integrity
//   tracker.mjs        the same tracker as an ES module, for bundler users
//   tracker-canvas.js  canvas snapshots, loaded beside the bundle with captureCanvas
//   tracker-assist.js  Assist's streaming, consent dialog and control, loaded
//                      beside the bundle when an agent joins
//   tracker-worker.js  gzip and requests off the main thread, started from beside
//                      the bundle when it is served from the page's own origin
//   types/             TypeScript declarations of the ES module and of window.tracker
//   collector.js       the collector, runnable with node
//   collector-worker.js  its worker threads: batch checks, page files (collector/ingest/worker.ts)
//   viewer/            the replay viewer's assets, served by the collector
import {build} from 'esbuild';
import {minify} from 'terser';
import {buildBrowserBundle} from './scripts/browserBundle.mjs';
import {buildDeclarations} from './scripts/buildDeclarations.mjs';
import {parse} from 'acorn';
import {OPTIONS_SLOT, integrityOf} from './loader/fillSnippet.mjs';
import {createHash} from 'node:crypto';
import {copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync('dist', {recursive: true});

async function minifyLoader(source, withIntegrity) {
  const {code} = await minify(source, {
    ecma: 5,
    toplevel: true,
    compress: {passes: 3, unsafe: true, unsafe_comps: true, global_defs: {WITH_INTEGRITY: withIntegrity}},
    mangle: true,
    format: {quote_style: 1},
  });
  parse(code, {ecmaVersion: 5});
  // fillSnippet finds the init options (and the integrity) right after the ingest point.
  if (!code.includes(OPTIONS_SLOT)) throw new Error(`the minified loader lost its options slot ${OPTIONS_SLOT}`);
  if (code.includes('WITH_INTEGRITY')) throw new Error('WITH_INTEGRITY survived minification');
  if (code.includes('.integrity=') !== withIntegrity) throw new Error(`the loader built with WITH_INTEGRITY=${withIntegrity} is wrong about integrity`);
  return code;
}

async function buildLoader() {
  const source = readFileSync('loader/loader.js', 'utf8');
  // Tag managers' custom-HTML sandboxes reject anything newer than ES5.
  parse(source, {ecmaVersion: 5});
  const plain = await minifyLoader(source, false);
  const withIntegrity = await minifyLoader(source, true);
  writeFileSync('dist/loader.min.js', plain + '\n');
  // No trailing newline: every byte of the snippet is the site owner's.
  writeFileSync('dist/snippet.html', `<script>${plain}</script>`);
  writeFileSync('dist/snippet-sri.html', `<script>${withIntegrity}</script>`);
}

// The bundle under a name that changes with its content: a CDN can cache it
// forever, and a snippet's integrity always matches the URL it names.
function writeVersionedBundle(code, map) {
  for (const file of readdirSync('dist')) {
    if (/^tracker\.[0-9a-f]+\.js(\.map)?$/.test(file)) rmSync(`dist/${file}`);
  }
  const name = `tracker.${createHash('sha256').update(code).digest('hex').slice(0, 12)}.js`;
  const versioned = code.replace(/\/\/# sourceMappingURL=tracker\.js\.map\n$/, `//# sourceMappingURL=${name}.map\n`);
  if (versioned === code) throw new Error('tracker.js does not end with its sourceMappingURL');
  writeFileSync(`dist/${name}`, versioned);
  writeFileSync(`dist/${name}.map`, JSON.stringify({...JSON.parse(map), file: name}));
  const manifest = {version: pkg.version, file: name, integrity: integrityOf(versioned)};
  writeFileSync('dist/bundle.json', JSON.stringify(manifest, null, 2) + '\n');
}

async function buildTracker() {
  const define = {__TRACKER_VERSION__: JSON.stringify(pkg.version)};
  const bundles = [
    // Compiled as it streams in: nearly all of it runs as the tracker starts (scripts/browserBundle.mjs).
    {entry: 'bundle/index.ts', name: 'tracker.js', format: 'iife', compiledOnLoad: true},
    {entry: 'bundle/createTracker.ts', name: 'tracker.mjs', format: 'esm'},
    // captureCanvas's snapshotter, loaded by the bundle only when the option is on.
    {entry: 'bundle/canvas/index.ts', name: 'tracker-canvas.js', format: 'iife'},
    // Assist's watching and control, loaded by the bundle when the first agent joins.
    {entry: 'bundle/assist/index.ts', name: 'tracker-assist.js', format: 'iife'},
    // The delivery worker (bundle/deliveryWorker.ts).
    {entry: 'bundle/worker/index.ts', name: 'tracker-worker.js', format: 'iife'},
  ];
  for (const bundle of bundles) {
    const {code, map} = await buildBrowserBundle({...bundle, define});
    writeFileSync(`dist/${bundle.name}`, code);
    writeFileSync(`dist/${bundle.name}.map`, map);
    if (bundle.name === 'tracker.js') writeVersionedBundle(code, map);
  }
}

function buildCollector() {
  return Promise.all([buildCollectorEntry('collector/main.ts', 'dist/collector.js'), buildCollectorEntry('collector/ingest/worker.ts', 'dist/collector-worker.js')]);
}

function buildCollectorEntry(entry, outfile) {
  return build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // npm packages (pg, the S3 client, prom-client) stay imports, resolved
    // from node_modules: they are the package's "dependencies", so users get
    // their fixes from npm without a rebuild of ours, and pg's optional native
    // binding and the AWS SDK's dynamic requires are not bundled half-working.
    packages: 'external',
    // `npx replay-tracker-collector` runs this file (package.json "bin").
    banner: {js: '#!/usr/bin/env node'},
    sourcemap: true,
    logLevel: 'warning',
  });
}

async function buildViewer() {
  // Chunks are named by their content: the last build's must not pile up.
  rmSync('dist/viewer', {recursive: true, force: true});
  mkdirSync('dist/viewer', {recursive: true});
  copyFileSync('collector/viewer/index.html', 'dist/viewer/index.html');
  await build({
    entryPoints: ['collector/viewer/app.ts'],
    outdir: 'dist/viewer',
    bundle: true,
    // The live view's code (a second copy of rrweb's replayer) loads only on #/live/<id>.
    splitting: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome100'],
    loader: {'.css': 'css'},
    logLevel: 'warning',
  });
}

await Promise.all([buildLoader(), buildTracker(), buildCollector(), buildViewer()]);
buildDeclarations('dist/types');
const {file} = JSON.parse(readFileSync('dist/bundle.json', 'utf8'));
console.log(`built dist/: snippet.html, snippet-sri.html, loader.min.js, tracker.js, ${file}, tracker.mjs, types/, collector.js, collector-worker.js`);
