import {defineConfig} from '@playwright/test';

// The system Chromium (Debian's package): Playwright's own browser download
// cannot run here. CHROMIUM_PATH points elsewhere on other machines.
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: {timeout: 15_000},
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: process.env.CI ? 'list' : 'line',
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
