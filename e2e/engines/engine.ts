// The one place that knows browser engines apart. Scenarios drive a Tab and
// never ask which engine is behind it; what an engine can and cannot do (its
// web vitals, say) is stated here, once, so that the README's table and the
// tests read the same facts. It imports none of the adapters that drive the
// engines (launchEngine.ts picks one); they import their types from here.

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface Tab {
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /** Reloads and waits for the load event. */
  reload(): Promise<void>;
  /** Runs `fn(arg)` in the page (awaited if it returns a promise) and returns its JSON result. */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<T>;
  /** Clicks the element as a user does (a trusted click through the driver). */
  click(selector: string): Promise<void>;
  /** Focuses the element and types `text` with real key events. */
  type(selector: string, text: string): Promise<void>;
  /** Closes the tab as a user does: pagehide, visibilitychange and unload run. */
  close(): Promise<void>;
  /** After the test: closes the tab if still open and drops its storage. */
  dispose(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** The engine's own version string, for the test report. */
  version: string;
  /** A fresh tab with its own sessionStorage. */
  newTab(): Promise<Tab>;
  close(): Promise<void>;
}

/**
 * The web vitals each engine measures, as the `web-vitals` package reports
 * them. Firefox has no Layout Instability API (no CLS). WebKitGTK 2.50
 * exposes neither largest-contentful-paint nor event timing entries
 * (PerformanceObserver.supportedEntryTypes lists only mark, measure,
 * navigation, paint and resource), so only FCP and TTFB exist there.
 */
export const VITALS: Record<EngineName, string[]> = {
  chromium: ['CLS', 'FCP', 'INP', 'LCP', 'TTFB'],
  firefox: ['FCP', 'INP', 'LCP', 'TTFB'],
  webkit: ['FCP', 'TTFB'],
};

/** Where each engine lives; the environment variable overrides the Debian path. */
export const BINARIES: Record<EngineName, {env: string; path: string; debianPackage: string}> = {
  chromium: {env: 'CHROMIUM_PATH', path: '/usr/bin/chromium', debianPackage: 'chromium'},
  firefox: {env: 'FIREFOX_PATH', path: '/usr/bin/firefox-esr', debianPackage: 'firefox-esr'},
  webkit: {env: 'WEBKIT_DRIVER_PATH', path: '/usr/bin/WebKitWebDriver', debianPackage: 'webkit2gtk-driver'},
};
