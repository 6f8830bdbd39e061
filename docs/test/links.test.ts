// Every relative link of the README and of the pages under docs/ (and of
// bench/HISTORY.md) resolves: the file it names exists, and the #anchor it
// names is a heading of that file as GitHub slugs it. Content moves between
// these pages; a link left pointing at where it was fails here.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {githubSlug, isExternal, markdownAnchors, markdownLinks} from './markdownLinks';

/** The project's root: the nearest folder above this file that holds package.json (the test runs compiled, from .build/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || dir.includes(`${join('.build', '')}`)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above the test');
    dir = parent;
  }
  return dir;
}

const root = projectRoot();
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name)),
  join('bench', 'HISTORY.md'),
].filter((page) => existsSync(join(root, page)));

const anchorsOf = new Map<string, Set<string>>();
function anchorsIn(file: string): Set<string> {
  let anchors = anchorsOf.get(file);
  if (!anchors) {
    anchors = markdownAnchors(readFileSync(file, 'utf8'));
    anchorsOf.set(file, anchors);
  }
  return anchors;
}

/** What is wrong with one link of `page`, or null when it resolves. */
function brokenBecause(page: string, target: string): string | null {
  const hashAt = target.indexOf('#');
  const pathPart = decodeURIComponent(hashAt === -1 ? target : target.slice(0, hashAt)).replace(/\?.*$/, '');
  const anchor = hashAt === -1 ? null : decodeURIComponent(target.slice(hashAt + 1));
  const file = pathPart === '' ? join(root, page) : pathPart.startsWith('/') ? join(root, pathPart) : resolve(root, dirname(page), pathPart);
  if (relative(root, file).startsWith('..')) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (anchor === null || anchor === '') return null;
  if (!statSync(file).isFile() || !file.endsWith('.md')) return `#${anchor} names an anchor in a file that is not Markdown`;
  return anchorsIn(file).has(anchor) ? null : `${relative(root, file)} has no heading whose anchor is #${anchor}`;
}

test('the pages checked are the README, every page of docs/ and bench/HISTORY.md', () => {
  assert.ok(pages.includes('README.md'));
  assert.ok(pages.some((page) => page.startsWith('docs')), 'docs/ holds pages');
  assert.ok(pages.includes(join('bench', 'HISTORY.md')));
});

for (const page of pages) {
  test(`every relative link in ${page} resolves, anchors included`, () => {
    const links = markdownLinks(readFileSync(join(root, page), 'utf8')).filter((link) => !isExternal(link.target));
    const broken = links
      .map((link) => ({link, reason: brokenBecause(page, link.target)}))
      .filter(({reason}) => reason !== null)
      .map(({link, reason}) => `${page}:${link.line}: (${link.target}) ${reason}`);
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
  });
}

test('anchors are slugged as GitHub does', () => {
  assert.equal(githubSlug('Engine × scenario'), 'engine--scenario');
  assert.equal(githubSlug('tracker.start(startOpts?): Promise<StartPromiseReturn>'), 'trackerstartstartopts-promisestartpromisereturn');
  assert.equal(githubSlug('7. Collector throughput'), '7-collector-throughput');
  assert.equal(githubSlug('Every engine: Chromium, Firefox, WebKit'), 'every-engine-chromium-firefox-webkit');
  assert.equal(githubSlug('snake_case stays'), 'snake_case-stays');
});

test('headings repeated in a page get numbered anchors, code and links in headings count as their text', () => {
  const anchors = markdownAnchors('# Notes\n\n## Notes\n\n### `start()` and [links](x.md)\n\n```\n# not a heading\n```\n');
  assert.deepEqual([...anchors].sort(), ['notes', 'notes-1', 'start-and-links']);
});

test('links in code are examples, not links; reference definitions are links', () => {
  const links = markdownLinks('See [a](a.md) and `[b](b.md)`.\n\n```md\n[c](c.md)\n```\n\n[d]: d.md#x\n![e](e.png "title")\n');
  assert.deepEqual(links.map((link) => link.target), ['a.md', 'd.md#x', 'e.png']);
});
