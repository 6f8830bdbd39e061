// Types of `replay-tracker/fill-snippet` (loader/fillSnippet.mjs): fill the
// snippet template from a build script. Kept beside the module by hand;
// e2e/package.spec.ts type-checks a use of it from the installed package and
// checks it declares what the module exports.
import type {InitOptions} from '../dist/types/types.js';

/** Where the init options sit in the built snippet: right after the ingest point. */
export declare const OPTIONS_SLOT: string;

/** The Subresource Integrity value (`sha384-…`) of a file's bytes, as `<script integrity>` wants it. */
export declare function integrityOf(bytes: string | ArrayBufferView): string;

export interface SnippetConfig {
  /** Absolute http(s) URL the bundle is served from: the package's `dist/tracker.<hash>.js`. */
  bundleUrl: string;
  projectKey: string;
  /** The collector's absolute http(s) URL; a trailing slash is dropped. */
  ingestPoint: string;
  /** Init options, written into the snippet as JSON. */
  options?: InitOptions;
  /** `integrityOf()` of the bundle; only with the template `dist/snippet-sri.html`, which sets it. */
  integrity?: string;
}

/**
 * The template (`dist/snippet.html` or `dist/snippet-sri.html`) with its
 * placeholders filled in, escaped for an inline script. Throws, saying
 * what is wrong, on a missing key, a URL that is not http(s), a malformed
 * integrity or a template that would drop it.
 */
export declare function fillSnippet(template: string, config: SnippetConfig): string;
