// The package's TypeScript declarations (dist/types/): createTracker.d.ts and
// types.d.ts for the ES module, global.d.ts for `window.tracker`. tsc emits a
// declaration for every module it reaches; only the public ones are shipped,
// and the build fails if one of them imports a module that is not shipped.
import {execFileSync} from 'node:child_process';
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

const PUBLIC = ['createTracker', 'types', 'global'];

export function buildDeclarations(outdir = 'dist/types') {
  const tscOut = '.build/declarations';
  rmSync(tscOut, {recursive: true, force: true});
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      ...PUBLIC.map((name) => `bundle/${name}.ts`),
      '--ignoreConfig',
      '--declaration',
      '--emitDeclarationOnly',
      '--outDir', tscOut,
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
  mkdirSync(outdir, {recursive: true});
  for (const name of PUBLIC) {
    const source = readFileSync(join(tscOut, `${name}.d.ts`), 'utf8');
    // Users' projects may resolve like Node (node16/nodenext), which wants the
    // extension on relative imports; bundler resolution accepts it too.
    const declaration = source.replace(/(from\s+|import\()(['"])\.\/([\w/]+)\2/g, (whole, keyword, quote, path) => {
      if (!PUBLIC.includes(path)) throw new Error(`dist/types/${name}.d.ts imports ./${path}, which is not shipped`);
      return `${keyword}${quote}./${path}.js${quote}`;
    });
    // A bare import would need that package's types installed by every user.
    const bare = declaration.match(/(?:from\s+|import\()['"](?!\.\/)[^'"]+['"]/);
    if (bare) throw new Error(`dist/types/${name}.d.ts needs another package's types: ${bare[0]}`);
    writeFileSync(join(outdir, `${name}.d.ts`), declaration);
  }
}
