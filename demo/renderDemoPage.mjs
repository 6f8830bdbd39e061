// The demo pages with the snippet pasted in, as a site owner would: used by
// `npm start` (demo/serve.mjs) and by the browser tests.
import {readFileSync, readdirSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const pagesDir = fileURLToPath(new URL('./pages/', import.meta.url));

export const demoFiles = () => readdirSync(pagesDir);

/** A demo file's text; HTML pages get the snippet and the payment site's origin. */
export function renderDemoFile(name, {snippet, otherOrigin}) {
  const text = readFileSync(pagesDir + name, 'utf8');
  if (!name.endsWith('.html')) return text;
  return text.replace('<!-- tracker snippet -->', `${snippet}\n  <script>window.DEMO_OTHER_ORIGIN = ${JSON.stringify(otherOrigin)};</script>`);
}
