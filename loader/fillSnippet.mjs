#!/usr/bin/env node
// Fills the three placeholders of dist/snippet.html (or dist/snippet-sri.html),
// and optionally the init options (the `{}` right after the ingest point) and
// the bundle's Subresource Integrity hash (written after the options; only
// snippet-sri.html reads it). Usable as a function
// (`fillSnippet(template, {bundleUrl, projectKey, ingestPoint, options, integrity})`)
// and as a CLI (`replay-tracker-snippet` once the package is installed):
//   node loader/fillSnippet.mjs --bundle-url URL --project-key KEY --ingest-point URL
//     [--options '{"maskAllText":true}'] [--integrity auto|none|sha384-…]
//     [--bundle-file FILE] [--template FILE]
import {readFileSync, realpathSync} from 'node:fs';
import {createHash} from 'node:crypto';
import {fileURLToPath} from 'node:url';
import {basename, resolve} from 'node:path';

// Where the init options sit in the built snippet (build.mjs checks it is there).
export const OPTIONS_SLOT = "'{{INGEST_POINT}}',{}]";

const SRI_PATTERN = /^sha384-[A-Za-z0-9+/]{64}$/;

/** The Subresource Integrity value of a file's bytes, as `<script integrity>` wants it. */
export function integrityOf(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

const PLACEHOLDERS = {
  bundleUrl: '{{BUNDLE_URL}}',
  projectKey: '{{PROJECT_KEY}}',
  ingestPoint: '{{INGEST_POINT}}',
};

// The values land inside single-quoted JS strings inside an HTML <script>:
// escape quotes and backslashes for JS, and `<` so that a value can never
// close the script element.
function escapeForInlineScript(value) {
  return JSON.stringify(String(value))
    .slice(1, -1)
    .replace(/'/g, "\\'")
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function checkUrl(name, value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`${name} must use http or https, got ${url.protocol}`);
  }
}

export function fillSnippet(template, config) {
  checkUrl('bundleUrl', config.bundleUrl);
  checkUrl('ingestPoint', config.ingestPoint);
  if (typeof config.projectKey !== 'string' || !config.projectKey) {
    throw new Error('projectKey must be a non-empty string');
  }
  // The tracker appends paths like /v1/web/start to the ingest point.
  const values = {...config, ingestPoint: config.ingestPoint.replace(/\/+$/, '')};
  let html = template;
  if (config.integrity !== undefined) {
    if (typeof config.integrity !== 'string' || !SRI_PATTERN.test(config.integrity)) {
      throw new Error(`integrity must be sha384- and 64 base64 characters (integrityOf() of the bundle), got ${JSON.stringify(config.integrity)}`);
    }
    // The plain snippet would drop the hash without a word: refuse instead.
    if (!html.includes('.integrity=')) throw new Error('this template does not set integrity: fill dist/snippet-sri.html');
  }
  if (config.options !== undefined || config.integrity !== undefined) {
    const options = config.options === undefined ? {} : config.options;
    if (!options || typeof options !== 'object' || Array.isArray(options)) {
      throw new Error('options must be an object of init options');
    }
    if (!html.includes(OPTIONS_SLOT)) throw new Error('the template has no init options slot after {{INGEST_POINT}}');
    const json = JSON.stringify(options).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    const integrity = config.integrity === undefined ? '' : `,'${config.integrity}'`;
    html = html.replace(OPTIONS_SLOT, `'{{INGEST_POINT}}',${json}${integrity}]`);
  }
  for (const [key, placeholder] of Object.entries(PLACEHOLDERS)) {
    if (!html.includes(placeholder)) throw new Error(`the template has no ${placeholder} placeholder`);
    html = html.split(placeholder).join(escapeForInlineScript(values[key]));
  }
  return html;
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!flag.startsWith('--') || argv[i + 1] === undefined) throw new Error(`unexpected argument ${flag}`);
    args[flag.slice(2)] = argv[i + 1];
  }
  return args;
}

const distFile = (name) => fileURLToPath(new URL(`../dist/${name}`, import.meta.url));

// --integrity auto (the default): the hash of --bundle-file, or, when the
// bundle URL ends with this package's versioned bundle, the hash the build
// wrote into dist/bundle.json. Any other URL is refused rather than guessed:
// a wrong hash would stop the tracker on every page.
function integrityFor(args) {
  const wanted = args.integrity ?? 'auto';
  if (wanted === 'none') return undefined;
  if (wanted !== 'auto') return wanted;
  if (args['bundle-file']) return integrityOf(readFileSync(args['bundle-file']));
  let name;
  try {
    name = basename(new URL(args['bundle-url']).pathname);
  } catch {
    return undefined; // fillSnippet() says what is wrong with the URL
  }
  const bundle = JSON.parse(readFileSync(distFile('bundle.json'), 'utf8'));
  if (name === bundle.file) return bundle.integrity;
  throw new Error(
    `cannot tell the integrity of ${args['bundle-url']}: its file name is not ${bundle.file} (this package's bundle). ` +
      'Pass --bundle-file with the file you serve, --integrity sha384-…, or --integrity none',
  );
}

// Run as a program: directly, or through npm's bin link (a symlink, hence
// realpath). Imported by a script whose argv[1] is not a file: not a program.
function runAsProgram() {
  try {
    return realpathSync(resolve(process.argv[1])) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (runAsProgram()) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const integrity = integrityFor(args);
    const templatePath = args.template ?? distFile(integrity ? 'snippet-sri.html' : 'snippet.html');
    process.stdout.write(
      fillSnippet(readFileSync(templatePath, 'utf8'), {
        bundleUrl: args['bundle-url'],
        projectKey: args['project-key'],
        ingestPoint: args['ingest-point'],
        options: args.options === undefined ? undefined : JSON.parse(args.options),
        integrity,
      }) + '\n',
    );
  } catch (error) {
    console.error(`fillSnippet: ${error.message}`);
    console.error(
      'usage: replay-tracker-snippet --bundle-url URL --project-key KEY --ingest-point URL\n' +
        '         [--options JSON] [--integrity auto|none|sha384-…] [--bundle-file FILE] [--template FILE]',
    );
    process.exit(2);
  }
}
