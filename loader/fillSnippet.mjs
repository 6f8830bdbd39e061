#!/usr/bin/env node
// Fills the three placeholders of dist/snippet.html, and optionally the init
// options (the `{}` right after the ingest point). Usable as a function
// (`fillSnippet(template, {bundleUrl, projectKey, ingestPoint, options})`) and as a CLI:
//   node loader/fillSnippet.mjs --bundle-url URL --project-key KEY --ingest-point URL
//     [--options '{"maskAllText":true}'] [--template dist/snippet.html]
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {resolve} from 'node:path';

// Where the init options sit in the built snippet (build.mjs checks it is there).
export const OPTIONS_SLOT = "'{{INGEST_POINT}}',{}]";

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
  if (config.options !== undefined) {
    if (!config.options || typeof config.options !== 'object' || Array.isArray(config.options)) {
      throw new Error('options must be an object of init options');
    }
    if (!html.includes(OPTIONS_SLOT)) throw new Error('the template has no init options slot after {{INGEST_POINT}}');
    const json = JSON.stringify(config.options).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    html = html.replace(OPTIONS_SLOT, `'{{INGEST_POINT}}',${json}]`);
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const templatePath = args.template ?? fileURLToPath(new URL('../dist/snippet.html', import.meta.url));
    process.stdout.write(
      fillSnippet(readFileSync(templatePath, 'utf8'), {
        bundleUrl: args['bundle-url'],
        projectKey: args['project-key'],
        ingestPoint: args['ingest-point'],
        options: args.options === undefined ? undefined : JSON.parse(args.options),
      }) + '\n',
    );
  } catch (error) {
    console.error(`fillSnippet: ${error.message}`);
    console.error('usage: node loader/fillSnippet.mjs --bundle-url URL --project-key KEY --ingest-point URL [--options JSON] [--template FILE]');
    process.exit(2);
  }
}
