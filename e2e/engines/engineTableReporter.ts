// Prints the engine × scenario table at the end of a run, from the results of
// the tests that ran (the README's table is a copy of it), so that no cell is
// written by hand.
import type {Reporter, TestCase, TestResult} from '@playwright/test/reporter';

const ENGINES = ['chromium', 'firefox', 'webkit'];

export default class EngineTableReporter implements Reporter {
  private results = new Map<string, Map<string, string>>();

  printsToStdio() {
    return false;
  }

  onTestEnd(test: TestCase, result: TestResult) {
    if (!/[\\/]e2e[\\/]engines[\\/]/.test(test.location.file)) return;
    const engine = test.parent.project()?.name ?? '?';
    if (!this.results.has(test.title)) this.results.set(test.title, new Map());
    const cell = result.status === 'passed' ? 'pass' : result.status === 'skipped' ? 'skipped' : `**${result.status.toUpperCase()}**`;
    this.results.get(test.title)!.set(engine, cell);
  }

  onEnd() {
    if (this.results.size === 0) return;
    const lines = [`| scenario | ${ENGINES.join(' | ')} |`, `|---|${ENGINES.map(() => '---').join('|')}|`];
    for (const [title, cells] of this.results) lines.push(`| ${title} | ${ENGINES.map((engine) => cells.get(engine) ?? 'not run').join(' | ')} |`);
    process.stdout.write(`\nEngine × scenario (e2e/engines):\n${lines.join('\n')}\n`);
  }
}
