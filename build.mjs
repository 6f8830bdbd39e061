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

// esbuild bundles; terser then squeezes about 1.5 KB (gzipped) more out of
// the tracker than esbuild's minifier, within the 30 KiB budget. Only safe
// compress options: rrweb reads layout properties for their side effects.
async function minifyBundle(options) {
  const result = await build({...options, write: false, outfile: options.outfile});
  const js = result.outputFiles.find((file) => file.path.endsWith('.js') || file.path.endsWith('.mjs'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'));
  const name = options.outfile.split('/').pop();
  const minified = await minify(js.text, {
    ecma: 2020,
    module: options.format === 'esm',
    toplevel: true,
    compress: {passes: 2},
    mangle: true,
    sourceMap: {content: map.text, filename: name, url: `${name}.map`},
  });
  writeFileSync(options.outfile, minified.code + '\n');
  writeFileSync(`${options.outfile}.map`, minified.map);
}

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
    minifyBundle({...common, entryPoints: ['bundle/index.ts'], outfile: 'dist/tracker.js', format: 'iife'}),
    minifyBundle({...common, entryPoints: ['bundle/createTracker.ts'], outfile: 'dist/tracker.mjs', format: 'esm'}),
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
