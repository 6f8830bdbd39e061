// The package's TypeScript declarations (dist/types/): createTracker.d.ts and
// types.d.ts for the ES module, global.d.ts for `window.tracker`, and the
// declarations they import. tsc emits one for every module it reaches; only
// those the public ones need are shipped.
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join, normalize} from 'node:path';

const ENTRIES = ['createTracker', 'types', 'global'];
const IMPORT = /(\bfrom\s+|\bimport\s*\(\s*)(['"])([^'"]+)\2/g;

export function buildDeclarations(outdir = 'dist/types') {
  const tscOut = '.build/declarations';
  rmSync(tscOut, {recursive: true, force: true});
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      ...ENTRIES.map((name) => `bundle/${name}.ts`),
      '--ignoreConfig',
      '--declaration',
      '--emitDeclarationOnly',
      '--outDir', tscOut,
      '--rootDir', 'bundle',
      '--target', 'ES2022',
      '--module', 'ESNext',
      '--moduleResolution', 'bundler',
      '--lib', 'ES2022,DOM,DOM.Iterable',
      '--types', '',
      '--strict',
      '--skipLibCheck',
    ],
    {stdio: 'inherit'},
  );
  rmSync(outdir, {recursive: true, force: true});
  const pending = ENTRIES.map((name) => `${name}.d.ts`);
  const shipped = new Set();
  while (pending.length) {
    const file = pending.pop();
    if (shipped.has(file)) continue;
    shipped.add(file);
    const source = readFileSync(join(tscOut, file), 'utf8');
    const declaration = source.replace(IMPORT, (whole, keyword, quote, specifier) => {
      // A package's types would have to be installed by every user.
      if (!specifier.startsWith('.')) throw new Error(`dist/types/${file} needs the types of ${specifier}, which users do not install`);
      // Projects resolving like Node (node16/nodenext) want the extension on
      // relative imports; bundler resolution accepts it too.
      const path = specifier.replace(/\.js$/, '');
      pending.push(normalize(join(dirname(file), `${path}.d.ts`)));
      return `${keyword}${quote}${path}.js${quote}`;
    });
    mkdirSync(dirname(join(outdir, file)), {recursive: true});
    writeFileSync(join(outdir, file), declaration);
  }
}
