// Figure 1: what a page downloads. The snippet as pasted (filled in with the
// README's example values), the bundle, and the floor: @rrweb/record alone,
// built the same way. Each minified, gzip -9 and brotli (quality 11).
import {readFileSync} from 'node:fs';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';
import {fillSnippet} from '../../loader/fillSnippet.mjs';
import {ratio} from '../lib/ratio.mjs';

export const EXAMPLE_SNIPPET_CONFIG = {
  bundleUrl: 'https://cdn.example.com/tracker/1.0.0/tracker.js',
  projectKey: '0123456789abcdef',
  ingestPoint: 'https://collector.example.com',
};

function weigh(bytes) {
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, {level: 9}).length,
    brotli: brotliCompressSync(bytes, {
      params: {[constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length},
    }).length,
  };
}

export function measureSizes({bundles}) {
  const snippet = weigh(Buffer.from(fillSnippet(readFileSync('dist/snippet.html', 'utf8'), EXAMPLE_SNIPPET_CONFIG)));
  const bundle = weigh(readFileSync('dist/tracker.js'));
  const floor = weigh(bundles.rrwebFloor);
  const rows = [
    {metric: 'snippet, filled in', unit: 'bytes', baseline: null, value: snippet.gzip, note: `min ${snippet.minified} · gzip ${snippet.gzip} · br ${snippet.brotli}`},
  ];
  for (const form of ['minified', 'gzip', 'brotli']) {
    rows.push({
      metric: `bundle / @rrweb/record alone, ${form === 'gzip' ? 'gzip -9' : form}`,
      unit: 'bytes',
      baseline: floor[form],
      value: bundle[form],
      ratio: ratio(bundle[form], floor[form]),
    });
  }
  return {rows, details: {snippet, bundle, floor, snippetConfig: EXAMPLE_SNIPPET_CONFIG}};
}
