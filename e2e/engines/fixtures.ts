// Fixtures for the scenarios every engine runs: the engine (one per worker,
// chosen by the Playwright project), a fresh tab per test, a collector and two
// sites on free ports, and the check that no page threw or left a rejection
// unhandled.
import {test as base, expect} from '@playwright/test';
import type {RunningCollector} from '../helpers/collector';
import {serverFixtures} from '../helpers/serverFixtures';
import {snippet, htmlPage, type Site} from '../helpers/site';
import {EXPECTED_ERROR, waitForSession, customEvents} from '../fixtures';
import type {Engine, EngineName, Tab} from './engine';
import {launchEngine} from './launchEngine';
import {startErrorSink, type ErrorSink} from './errorSink';

// The collector-side helpers know nothing of browsers: shared with the Chromium-only tests.
export {expect, EXPECTED_ERROR, waitForSession, customEvents};

interface TestFixtures {
  tab: Tab;
  collector: RunningCollector;
  site: Site;
  otherSite: Site;
  errorSink: ErrorSink;
}

interface WorkerFixtures {
  engineName: EngineName;
  engine: Engine;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  engineName: ['chromium', {option: true, scope: 'worker'}],
  engine: [
    async ({engineName}, use) => {
      const engine = await launchEngine(engineName);
      await use(engine);
      await engine.close();
    },
    // Firefox and WebKit take 10 s or more to start on a busy 2-core machine.
    {scope: 'worker', timeout: 90_000},
  ],
  tab: async ({engine}, use) => {
    const tab = await engine.newTab();
    await use(tab);
    await tab.dispose();
  },
  ...serverFixtures,
  errorSink: [
    async ({}, use) => {
      const sink = await startErrorSink();
      await use(sink);
      await sink.stop();
      const unexpected = sink.errors.filter((error) => !error.includes(EXPECTED_ERROR));
      expect(unexpected, 'no page error and no unhandled rejection').toEqual([]);
    },
    {auto: true},
  ],
});

export interface PageSetup {
  initOptions?: object;
  /** Markup before the snippet (after the error guard): to take a feature away before the tracker looks. */
  before?: string;
  /** Markup after the snippet. */
  head?: string;
  body?: string;
  /** Snippet's ingest point; defaults to the collector. */
  ingestPoint?: string;
  path?: string;
}

/** Serves a page with the error guard and the snippet on `site`, and returns its URL. */
export function trackedPage(site: Site, collector: RunningCollector, sink: ErrorSink, setup: PageSetup = {}): string {
  const tag = snippet(`${site.origin}/tracker.js`, setup.ingestPoint ?? collector.url, setup.initOptions);
  return site.page(setup.path ?? '/', htmlPage(sink.guard + (setup.before ?? '') + tag + (setup.head ?? ''), setup.body));
}

export const startTracker = (tab: Tab, options: object = {}) => tab.evaluate((opts) => (window as any).tracker.start(opts), options);

export const stopTracker = (tab: Tab) => tab.evaluate(() => (window as any).tracker.stop());

/** Waits until rrweb has taken its first snapshot (it follows the page's load and paint). */
export async function waitForRecording(tab: Tab) {
  await waitFor(tab, () => performance.getEntriesByName('tracker:recording-started').length > 0);
}

/** Polls `check` in the page until it is true. */
export async function waitFor(tab: Tab, check: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await tab.evaluate(check))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${check.toString()}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
