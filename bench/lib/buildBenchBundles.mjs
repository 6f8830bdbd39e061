// Builds the in-page scripts of the bench exactly as build.mjs builds
// dist/tracker.js (scripts/browserBundle.mjs), so that sizes and timings compare:
//   rawRecorder.js  bundle/recorder.ts alone (the "raw rrweb" variant)
//   rrwebFloor.js   @rrweb/record alone (the size floor)
// Both keep rrweb's own synchronous full snapshot: they stand for rrweb as it
// comes, which the tracker's sliced snapshot is compared with.
import {fileURLToPath} from 'node:url';
import {buildBrowserBundle} from '../../scripts/browserBundle.mjs';

const pages = (name) => fileURLToPath(new URL(`../pages/${name}`, import.meta.url));

async function buildOne(entry, name) {
  const {code} = await buildBrowserBundle({entry, name, sliceSnapshot: false});
  return Buffer.from(code);
}

export async function buildBenchBundles() {
  const [rawRecorder, rrwebFloor] = await Promise.all([
    buildOne(pages('rawRecorder.ts'), 'rawRecorder.js'),
    buildOne(pages('rrwebFloor.ts'), 'rrwebFloor.js'),
  ]);
  return {rawRecorder, rrwebFloor};
}
