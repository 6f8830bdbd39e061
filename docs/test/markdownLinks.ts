// Reads the links and the anchors of a Markdown page the way GitHub renders
// it, so that docs/test/links.test.ts can tell a link that resolves from one
// that does not.

/** A link as written in a page, with the line it is on. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Fenced code blocks (``` or ~~~) blanked line for line: links and headings in them are examples, not links. */
function withoutFencedCode(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null && opening) {
      fence = opening[1];
      return '';
    }
    if (fence !== null) {
      const closing = /^\s{0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (closing && closing[1][0] === fence[0] && closing[1].length >= fence.length) fence = null;
      return '';
    }
    return line;
  });
}

/** Inline code spans blanked, so that `[a](b)` shown as code is not taken for a link. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

/** Every link and image target of the page (inline `[text](target)` and reference definitions `[name]: target`). */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutFencedCode(markdown).forEach((rawLine, index) => {
    const line = withoutCodeSpans(rawLine);
    for (const match of line.matchAll(/\]\(\s*<?([^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+["'(][^)]*)?\)/g)) {
      links.push({target: match[1], line: index + 1});
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (definition) links.push({target: definition[1], line: index + 1});
  });
  return links;
}

/** True for a link that leaves the repository (`https:`, `mailto:`, `//host`…). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/**
 * The anchor GitHub gives a heading: its text lower-cased, every character
 * that is not a letter, a mark, a digit, a connector (`_`), a space or a
 * hyphen removed, and spaces made hyphens (github-slugger's rule).
 */
export function githubSlug(headingText: string): string {
  return headingText
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** A heading's text as GitHub renders it: link targets, code ticks, emphasis and inline HTML gone. */
function headingText(source: string): string {
  return source
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*|~~)/g, '')
    .replace(/\s+#+\s*$/, '')
    .trim();
}

/** Every anchor a link into this page may name: heading slugs (repeats numbered -1, -2… as GitHub does) and `id`/`name` attributes. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = withoutFencedCode(markdown);
  lines.forEach((line, index) => {
    const atx = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line);
    const setext = index > 0 && /^\s{0,3}(=+|-+)\s*$/.test(line) && lines[index - 1].trim() !== '' && !/^\s{0,3}(#|[-*+]\s|\|)/.test(lines[index - 1]);
    const text = atx ? atx[1] : setext ? lines[index - 1] : null;
    if (text !== null) {
      const slug = githubSlug(headingText(text));
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s[^>]*(?:id|name)=["']([^"']+)["']/gi)) anchors.add(match[1]);
  });
  return anchors;
}
