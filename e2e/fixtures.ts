// Fixtures every browser test uses: a collector and two sites (two origins),
// started for the test on free ports and stopped after it, and a check that
// no page threw or left a promise rejection unhandled.
import {test as base, expect, type Page} from '@playwright/test';
import type {RunningCollector, StoredSession} from './helpers/collector';
import {serverFixtures} from './helpers/serverFixtures';
import {snippet, htmlPage, type Site} from './helpers/site';

export {expect};

/** Put this in the message of an error a test throws on purpose: the page-error check lets it pass. */
export const EXPECTED_ERROR = 'expected-by-test';

interface Fixtures {
  collector: RunningCollector;
  site: Site;
  otherSite: Site;
  pageErrors: string[];
}

export const test = base.extend<Fixtures>({
  ...serverFixtures,
  pageErrors: [
    async ({context}, use) => {
      const errors: string[] = [];
      context.on('weberror', (error) => errors.push(`${error.page()?.url()}: ${error.error().stack || error.error().message || error.error()}`));
      await context.addInitScript(() => {
        addEventListener('unhandledrejection', (event) => console.error(`unhandledrejection: ${event.reason}`));
      });
      context.on('console', (message) => {
        if (message.type() === 'error' && message.text().startsWith('unhandledrejection')) errors.push(message.text());
      });
      await use(errors);
      // A test that throws on purpose marks its errors with EXPECTED_ERROR.
      expect(errors.filter((error) => !error.includes(EXPECTED_ERROR)), 'no page error and no unhandled rejection').toEqual([]);
    },
    {auto: true},
  ],
});

export interface PageSetup {
  initOptions?: object;
  projectKey?: string;
  /** Head markup after the snippet. */
  head?: string;
  body?: string;
  /** Snippet's ingest point; defaults to the collector. */
  ingestPoint?: string;
  path?: string;
  headers?: Record<string, string>;
}

/** Serves a page with the snippet on `site` and returns its URL. */
export function trackedPage(site: Site, collector: RunningCollector, setup: PageSetup = {}): string {
  const tag = snippet(`${site.origin}/tracker.js`, setup.ingestPoint ?? collector.url, setup.initOptions, setup.projectKey);
  return site.page(setup.path ?? '/', htmlPage(tag + (setup.head ?? ''), setup.body), setup.headers);
}

/** Polls the collector until `check` accepts what it stored. */
export async function waitForSession(
  collector: RunningCollector,
  sessionID: string,
  check: (session: StoredSession) => boolean,
  timeoutMs = 20_000,
): Promise<StoredSession> {
  const deadline = Date.now() + timeoutMs;
  let last: StoredSession | null = null;
  while (Date.now() < deadline) {
    try {
      last = await collector.session(sessionID);
      if (check(last)) return last;
    } catch {
      // Not there yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`session ${sessionID} never matched; last seen: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

export function customEvents(session: StoredSession, tag?: string) {
  return session.pages
    .flatMap((page) => page.events ?? [])
    .filter((event) => event.type === 5 && (!tag || event.data?.tag === tag));
}

export async function startTracker(page: Page, options: object = {}) {
  return page.evaluate((opts) => (window as any).tracker.start(opts), options);
}

/** Waits until rrweb has taken its first snapshot (it follows the page's load and paint). */
export async function waitForRecording(page: Page) {
  await page.waitForFunction(() => performance.getEntriesByName('tracker:recording-started').length > 0);
}
