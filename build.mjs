// Builds everything in dist/ (SPEC section 4):
//   snippet.html   the paste-able <script> block with three placeholders
//   loader.min.js  the minified loader alone
//   tracker.js     the bundle for the snippet (IIFE, minified, source map)
//   tracker.mjs    the same tracker as an ES module, for bundler users
//   collector.js   the collector, runnable with node
//   viewer/        the replay viewer's assets, served by the collector
import {build} from 'esbuild';
import {minify} from 'terser';
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

// rrweb inlines the source of its canvas worker, started from a blob: URL. We
// never record canvas (and a strict CSP forbids blob: workers), so the source
// is dropped: about 1 KB gzipped. Fails loudly if an rrweb upgrade moves it.
const dropCanvasWorker = {
  name: 'drop-canvas-worker',
  setup(builder) {
    builder.onLoad({filter: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/}, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const stripped = source.replace(/const jsContent = '[^\n]*';\n/, "const jsContent = '';\n");
      if (stripped === source) throw new Error('rrweb canvas worker source not found: update dropCanvasWorker');
      return {contents: stripped, loader: 'js'};
    });
  },
};

function buildTracker() {
  const common = {
    bundle: true,
    minify: true,
    sourcemap: true,
    target: 'es2020',
    define: {__TRACKER_VERSION__: JSON.stringify(pkg.version)},
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [dropCanvasWorker],
  };
  return Promise.all([
    build({...common, entryPoints: ['bundle/index.ts'], outfile: 'dist/tracker.js', format: 'iife'}),
    build({...common, entryPoints: ['bundle/createTracker.ts'], outfile: 'dist/tracker.mjs', format: 'esm'}),
  ]);
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
