import {defineConfig} from '@playwright/test';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from './scripts/chromium.mjs';
import type {EngineName} from './e2e/engines/engine';

// Three projects, one per engine. Chromium runs every browser test (Playwright
// drives it; e2e/engines/ drives it through puppeteer-core like Firefox);
// Firefox and WebKit run the cross-engine scenarios of e2e/engines/. A fourth
// runs the main-thread timings last, in Chromium.
// Chromium alone: npm test -- --project=chromium
export default defineConfig<{}, {engineName: EngineName}>({
  testDir: 'e2e',
  timeout: 60_000,
  expect: {timeout: 15_000},
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [[process.env.CI ? 'list' : 'line'], ['./e2e/engines/engineTableReporter.ts']],
  use: {
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    {name: 'chromium', testIgnore: /mainThread\.spec\.ts/, use: {engineName: 'chromium'}},
    // In order, in one worker each: Firefox and WebKit take 10-20 s to start,
    // once per worker, and the two run side by side.
    {name: 'firefox', testDir: 'e2e/engines', fullyParallel: false, use: {engineName: 'firefox'}},
    {name: 'webkit', testDir: 'e2e/engines', fullyParallel: false, use: {engineName: 'webkit'}},
    // Tests that time the main thread: after every other project, one at a
    // time, so that no other browser shares the two cores with them.
    // Alone: npm test -- --project=main-thread --no-deps
    {
      name: 'main-thread',
      testMatch: /mainThread\.spec\.ts/,
      fullyParallel: false,
      dependencies: ['chromium', 'firefox', 'webkit'],
      use: {engineName: 'chromium'},
    },
  ],
});
