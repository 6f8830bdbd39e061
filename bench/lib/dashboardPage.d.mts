// Types of bench/lib/dashboardPage.mjs, which the e2e tests build pages with.
/** path -> bytes of every asset the dashboard loads. */
export declare function dashboardAssets(): Map<string, string | Uint8Array>;
/** The dashboard, `head` first in <head>. */
export declare function dashboardPage(options?: {head?: string}): string;
