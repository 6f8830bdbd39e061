// docs/architecture.md lists every folder of the project, one line each, in
// a tree; this holds that tree against the folders that exist, both ways.
// A folder counts when it holds a file at any depth, outside hidden folders
// and outside what .gitignore names (installs, builds, test output).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

const DOC = 'docs/architecture.md';

function ignoredPaths(): {anywhere: Set<string>; fromRoot: Set<string>} {
  const anywhere = new Set<string>();
  const fromRoot = new Set<string>();
  for (const raw of readFileSync('.gitignore', 'utf8').split('\n')) {
    const line = raw.trim().replace(/\/$/, '');
    if (!line || line.startsWith('#')) continue;
    // A pattern with a slash inside it is anchored at the root (gitignore's own rule).
    if (line.includes('/')) fromRoot.add(line.replace(/^\//, ''));
    else anywhere.add(line);
  }
  return {anywhere, fromRoot};
}

function realFolders(): string[] {
  const ignored = ignoredPaths();
  const folders = new Set<string>();
  const walk = (dir: string): boolean => {
    let holdsFile = false;
    for (const entry of readdirSync(dir || '.', {withFileTypes: true})) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.') || ignored.anywhere.has(entry.name) || ignored.fromRoot.has(path)) continue;
      if (entry.isDirectory()) {
        if (walk(path)) {
          folders.add(path);
          holdsFile = true;
        }
      } else {
        holdsFile = true;
      }
    }
    return holdsFile;
  };
  walk('');
  return [...folders].sort();
}

function listedFolders(): string[] {
  const doc = readFileSync(DOC, 'utf8');
  const tree = /## Folders\n[\s\S]*?```\n([\s\S]*?)```/.exec(doc);
  assert.ok(tree, `${DOC} has a "## Folders" section with the tree in a fenced block`);
  const path: string[] = [];
  const listed: string[] = [];
  for (const line of tree[1].split('\n')) {
    if (!line.trim()) continue;
    const [, indent, name] = /^( *)(\S+)/.exec(line)!;
    assert.ok(indent.length % 2 === 0 && name.endsWith('/'), `${DOC}: "${line}" is not "<two spaces a level>name/  what lives there"`);
    const depth = indent.length / 2;
    assert.ok(depth <= path.length, `${DOC}: "${line}" is indented deeper than the folder above it`);
    path.length = depth;
    path.push(name.slice(0, -1));
    assert.ok(line.slice(indent.length + name.length).trim(), `${DOC}: ${path.join('/')}/ says nothing about what lives there`);
    listed.push(join(...path));
  }
  return listed.sort();
}

test('docs/architecture.md lists every folder of the project', () => {
  const listed = new Set(listedFolders());
  const missing = realFolders().filter((folder) => !listed.has(folder));
  assert.deepEqual(missing, [], `add these folders to the tree in ${DOC}, with a line on what lives there`);
});

test('every folder that docs/architecture.md lists exists', () => {
  const real = new Set(realFolders());
  const gone = listedFolders().filter((folder) => !real.has(folder));
  assert.deepEqual(gone, [], `these folders are listed in ${DOC} but do not exist: remove or rename them there`);
});
