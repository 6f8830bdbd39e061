// The npm package as its users get it: packed, installed from the tarball into
// a fresh project, type-checked with tsc, bundled with esbuild, run in a
// browser against the collector started through its `bin`.
import {test, expect} from './fixtures';
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import {htmlPage} from './helpers/site';

const repo = resolve('.');
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {cwd, stdio: 'pipe'}).toString();

// What a user writes: the ES module for one part of the site, the snippet's
// global for another. The @ts-expect-error lines fail the check if the
// declarations were missing or `any`.
const APP = `/// <reference types="replay-tracker/global" />
import {createTracker, type StartPromiseReturn, type TrackerConfig} from 'replay-tracker';

const config: TrackerConfig = {projectKey: 'demo', ingestPoint: document.body.dataset.ingest ?? ''};
const tracker = createTracker(config);

export function startFromSnippet(userID: string): Promise<StartPromiseReturn> {
  const result = window.tracker.start({userID, startCallback: (r) => console.log(r.success)});
  window.tracker.event('checkout', {step: 2});
  return result;
}

export function misuse(): void {
  // @ts-expect-error: userID is a string
  window.tracker.start({userID: 42});
  // @ts-expect-error: createTracker needs the collector's ingestPoint
  createTracker({projectKey: 'demo'});
  // @ts-expect-error: there is no such method
  window.tracker.record();
}

const result = await tracker.start({userID: 'ada@example.com'});
document.body.dataset.result = result.success ? 'ok ' + result.sessionID : 'failed ' + result.reason;
`;

// What a build script writes to fill the snippet: the functions of
// replay-tracker/fill-snippet, typed by its declarations. Type-checked, not
// bundled (it is for Node, the template is read from the package).
const BUILD_SCRIPT = `import {fillSnippet, integrityOf, OPTIONS_SLOT, type SnippetConfig} from 'replay-tracker/fill-snippet';

declare const template: string;
declare const bundleBytes: Uint8Array;

const config: SnippetConfig = {
  bundleUrl: 'https://cdn.example.com/replay/tracker.js',
  projectKey: 'demo',
  ingestPoint: 'https://collector.example.com',
  options: {maskAllText: true},
};
export const html: string = fillSnippet(template, {...config, integrity: integrityOf(bundleBytes)});
export const slot: string = OPTIONS_SLOT;

export function misuse(): void {
  // @ts-expect-error: the project key is needed
  fillSnippet(template, {bundleUrl: config.bundleUrl, ingestPoint: config.ingestPoint});
  // @ts-expect-error: not an init option
  fillSnippet(template, {...config, options: {maskEverything: true}});
  // @ts-expect-error: fillSnippet answers the HTML as a string
  const count: number = fillSnippet(template, config);
}
`;

function tsconfig(resolution: 'bundler' | 'nodenext') {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: resolution === 'bundler' ? 'ESNext' : 'NodeNext',
      moduleResolution: resolution,
      lib: ['ES2022', 'DOM'],
      types: [],
    },
    files: ['app.ts', 'build.ts'],
  });
}

interface PackedFile {
  path: string;
}

test.describe.configure({mode: 'serial'});

let workDir = '';
let appDir = '';
let packedFiles: string[] = [];

test.beforeAll(() => {
  test.setTimeout(180_000);
  workDir = mkdtempSync(join(tmpdir(), 'tracker-pack-'));
  appDir = join(workDir, 'app');
  // dist/ is fresh (npm test builds first): skip prepack's second build.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], repo));
  packedFiles = (packed.files as PackedFile[]).map((file) => file.path);
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'package.json'), JSON.stringify({name: 'app', private: true, type: 'module'}));
  npm(['install', join(workDir, packed.filename)], appDir);
  writeFileSync(join(appDir, 'app.ts'), APP);
  writeFileSync(join(appDir, 'build.ts'), BUILD_SCRIPT);
});

test.afterAll(() => {
  if (workDir) rmSync(workDir, {recursive: true, force: true});
});

test('the package ships the built files and none of the sources', () => {
  const bundle = JSON.parse(readFileSync(join(appDir, 'node_modules/replay-tracker/dist/bundle.json'), 'utf8'));
  for (const file of [
    'package.json',
    'dist/tracker.mjs',
    // Loaded from beside the bundle when captureCanvas is on.
    'dist/tracker-canvas.js',
    // Started from beside the bundle when it is served from the page's origin.
    'dist/tracker-worker.js',
    'dist/types/createTracker.d.ts',
    'dist/types/types.d.ts',
    'dist/types/global.d.ts',
    `dist/${bundle.file}`,
    'dist/bundle.json',
    'dist/snippet.html',
    'dist/snippet-sri.html',
    'dist/collector.js',
    // Its worker threads (batch checks, page files).
    'dist/collector-worker.js',
    'dist/viewer/index.html',
    'loader/fillSnippet.mjs',
    'loader/fillSnippet.d.mts',
    'LICENSE',
  ]) {
    expect(packedFiles, file).toContain(file);
  }
  const unwanted = packedFiles.filter((file) => /^(bundle|collector|e2e|bench|demo|scripts)\/|\.ts$|^dist\/tracker\.js$/.test(file) && !file.endsWith('.d.ts'));
  expect(unwanted).toEqual([]);
});

for (const resolution of ['bundler', 'nodenext'] as const) {
  test(`tsc (moduleResolution ${resolution}) accepts createTracker, window.tracker and fillSnippet from the installed package`, () => {
    writeFileSync(join(appDir, 'tsconfig.json'), tsconfig(resolution));
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', appDir], {cwd: appDir, stdio: 'pipe'});
    } catch (error) {
      output = String((error as {stdout?: Buffer}).stdout ?? error);
    }
    expect(output).toBe('');
  });
}

test('replay-tracker/fill-snippet declares exactly what it exports', async () => {
  const packageDir = join(appDir, 'node_modules/replay-tracker');
  const exported = Object.keys(await import(pathToFileURL(join(packageDir, 'loader/fillSnippet.mjs')).href)).sort();
  const declarations = readFileSync(join(packageDir, 'loader/fillSnippet.d.mts'), 'utf8');
  const declared = [...declarations.matchAll(/^export declare (?:const|function) (\w+)/gm)].map((match) => match[1]).sort();
  expect(declared).toEqual(exported);
});

test('the snippet bin fills in the integrity of the installed bundle', () => {
  const packageDir = join(appDir, 'node_modules/replay-tracker');
  const {file} = JSON.parse(readFileSync(join(packageDir, 'dist/bundle.json'), 'utf8'));
  const sha384 = createHash('sha384').update(readFileSync(join(packageDir, 'dist', file))).digest('base64');
  const html = execFileSync(join(appDir, 'node_modules/.bin/replay-tracker-snippet'), [
    '--bundle-url', `https://cdn.example.com/replay/${file}`,
    '--project-key', 'demo',
    '--ingest-point', 'https://collector.example.com',
  ]).toString();
  expect(html).toContain(`'https://cdn.example.com/replay/${file}'`);
  expect(html).toContain(`'sha384-${sha384}']`);
});

test('an app bundled with esbuild records into the collector run through its bin', async ({page, site}) => {
  const built = await build({
    absWorkingDir: appDir,
    entryPoints: ['app.ts'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  site.file('/app.js', built.outputFiles[0].text, 'text/javascript');

  let collector: ChildProcess | null = null;
  try {
    collector = spawn(join(appDir, 'node_modules/.bin/replay-tracker-collector'), ['--port', '0', '--data', join(workDir, 'sessions')], {
      cwd: appDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collectorUrl = await new Promise<string>((resolveUrl, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = output.match(/listening on (http:\/\/\S+)/);
        if (match) resolveUrl(match[1]);
      };
      collector!.stdout!.on('data', onData);
      collector!.stderr!.on('data', onData);
      collector!.on('exit', (code) => reject(new Error(`the collector's bin exited with ${code}:\n${output}`)));
    });

    const body = `<h1>bundled app</h1><script>document.body.dataset.ingest = ${JSON.stringify(collectorUrl)};</script><script type="module" src="/app.js"></script>`;
    await page.goto(site.page('/app', htmlPage('', body)));
    await expect(page.locator('body')).toHaveAttribute('data-result', /^ok /);
    const sessionID = (await page.locator('body').getAttribute('data-result'))!.slice('ok '.length);

    await expect
      .poll(async () => {
        // The admin key the collector generated into its data directory at its first start.
        const key = readFileSync(join(workDir, 'sessions', 'admin-key'), 'utf8').trim();
        const response = await fetch(`${collectorUrl}/api/sessions/${sessionID}/events`, {headers: {Authorization: `Bearer ${key}`}});
        if (!response.ok) return null;
        const session = await response.json();
        return {userID: session.userID, fullSnapshot: session.pages[0]?.events?.some((event: {type: number}) => event.type === 2)};
      })
      .toEqual({userID: 'ada@example.com', fullSnapshot: true});
  } finally {
    collector?.kill('SIGTERM');
  }
});
