// The snippet exactly as a site owner pastes it: dist/snippet.html filled in
// with loader/fillSnippet.mjs. `start` adds the `tracker.start()` call pasted
// after it, as the README shows; `options` are the init options.
import {readFileSync} from 'node:fs';
import {fillSnippet} from '../../loader/fillSnippet.mjs';

export const PROJECT_KEY = 'demo';

export function snippetTag({bundleUrl, ingestPoint, start = false, options = {}}) {
  const tag = fillSnippet(readFileSync('dist/snippet.html', 'utf8'), {bundleUrl, projectKey: PROJECT_KEY, ingestPoint, options});
  return start ? `${tag}<script>tracker.start();</script>` : tag;
}
