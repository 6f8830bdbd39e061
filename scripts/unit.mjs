// Compiles every `*/test/*.test.ts` with esbuild (Node 20 cannot run TypeScript)
// and runs them with node's own test runner.
import {build} from 'esbuild';
import {readdirSync, existsSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';

// bench/test/ checks how the figures read what they measure; docs/test/
// checks the documentation against the repository: its relative links, and
// docs/architecture.md's tree against the folders.
const roots = ['collector', 'bundle', 'loader', 'docs', 'bench'];
const entryPoints = roots
  .map((root) => join(root, 'test'))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)));

const outdir = '.build/unit';
rmSync(outdir, {recursive: true, force: true});
await build({
  entryPoints,
  outdir,
  outbase: '.',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outExtension: {'.js': '.mjs'},
  sourcemap: 'inline',
  logLevel: 'warning',
});
const files = entryPoints.map((entry) => join(outdir, entry.replace(/\.ts$/, '.mjs')));
const run = spawnSync(process.execPath, ['--enable-source-maps', '--test', ...files], {stdio: 'inherit'});
process.exit(run.status ?? 1);
