// The system Chromium and its flags, for the browser tests
// (playwright.config.ts) and the bench alike. Playwright's own browser
// download cannot run here; CHROMIUM_PATH points elsewhere on other machines.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
