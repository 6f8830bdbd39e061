// Chromium over CDP and Firefox over WebDriver BiDi, both through
// puppeteer-core: one client for the two engines it speaks to, and it drives a
// stock Firefox (Playwright's Firefox support needs its own patched build,
// which cannot be downloaded here).
import puppeteer, {type Browser, type Page} from 'puppeteer-core';
import {CHROMIUM_ARGS} from '../../scripts/chromium.mjs';
import {binaryOf} from './binaryOf';
import type {Engine, Tab} from './engine';

export async function launchPuppeteer(name: 'chromium' | 'firefox'): Promise<Engine> {
  const executablePath = binaryOf(name);
  const browser: Browser =
    name === 'firefox'
      ? await puppeteer.launch({browser: 'firefox', executablePath, headless: true})
      : await puppeteer.launch({browser: 'chrome', executablePath, headless: true, args: CHROMIUM_ARGS});
  return {
    name,
    version: await browser.version(),
    async newTab() {
      // A browser context per tab: its own storage, as a fresh profile has.
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      return pageTab(page, () => context.close());
    },
    close: () => browser.close(),
  };
}

function pageTab(page: Page, dispose: () => Promise<void>): Tab {
  let closed = false;
  return {
    async goto(url) {
      await page.goto(url, {waitUntil: 'load'});
    },
    async reload() {
      await page.reload({waitUntil: 'load'});
    },
    evaluate: (fn, arg) => page.evaluate(fn as any, arg) as any,
    async click(selector) {
      await page.click(selector);
    },
    async type(selector, text) {
      await page.type(selector, text, {delay: 5});
    },
    async close() {
      if (closed) return;
      closed = true;
      // Resolves before the page is gone; its context lives on until dispose(),
      // since closing a context cancels the keepalive requests still in flight.
      await page.close({runBeforeUnload: true});
    },
    async dispose() {
      if (!closed) await page.close();
      closed = true;
      // Chromium may already have disposed of a context whose last page closed.
      await dispose().catch(() => {});
    },
  };
}
