// Types of bench/lib/manyElementsPage.mjs, which the e2e tests build pages with.
/** About `elements` elements and a <style> of `rules` rules, `head` first in <head>. */
export declare function manyElementsPage(options?: {head?: string; elements?: number; rules?: number}): string;
