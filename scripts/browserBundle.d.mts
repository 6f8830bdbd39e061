// Types of scripts/browserBundle.mjs for the tests that build page scripts with it.
export interface BrowserBundleOptions {
  entry: string;
  name: string;
  format?: 'iife' | 'esm';
  define?: Record<string, string>;
  /** false: rrweb's own synchronous full snapshot (default true: in slices). */
  sliceSnapshot?: boolean;
}

/** Bundles `entry` and minifies it as dist/ is built; `map` is JSON text. */
export declare function buildBrowserBundle(options: BrowserBundleOptions): Promise<{code: string; map: string}>;
