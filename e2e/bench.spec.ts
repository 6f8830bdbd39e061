// The bench harness must not rot: one smoke run of every figure (one
// repetition each, short sessions). No timing is asserted: the machines are
// shared and noisy; only that every figure produced its rows.
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test, expect} from './fixtures';
import {removeDir} from './helpers/collector';

test('npm run bench runs every figure end to end (smoke mode)', async () => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'tracker-bench-'));
  try {
    const out = join(dir, 'results.json');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['bench/run.mjs', '--smoke', '--out', out], {timeout: 280_000, maxBuffer: 1 << 24}, (error, output, errors) =>
        error ? reject(new Error(`${error.message}\n${errors.slice(-4000)}`)) : resolve(output),
      ),
    );
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.failed).toEqual([]);
    expect(Object.keys(results.figures).sort()).toEqual(['canvas', 'capture', 'delivery', 'live', 'pageLoad', 'recording', 'sizes', 'start', 'throughput', 'viewer', 'wire']);
    expect([...new Set(results.rows.map((row: {figure: number}) => row.figure))].sort((a, b) => (a as number) - (b as number))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const row of results.rows) expect(row.metric, JSON.stringify(row)).not.toBe('failed');
    // The number column widens with figures 10 and 11.
    expect(stdout).toMatch(/\| # +\| figure/);
  } finally {
    removeDir(dir);
  }
});
