// Values whose names look secret never leave the page: a password-reset link,
// an OAuth code, an API key in a URL are replaced by [redacted], in the query
// and in a fragment that carries parameters (OAuth's implicit flow), and so
// are `name=value` and `"name": "value"` pairs in recorded request bodies.
const SECRET_WORDS = 'token|key|secret|pass|auth|session|code|sig|credential|cookie';

let secretName = new RegExp(SECRET_WORDS, 'i');

/** Names to redact besides those that look secret (the site's own list). */
export function redactAlso(names: unknown): void {
  if (!Array.isArray(names)) return;
  const escaped = names.filter((name) => typeof name === 'string' && name).map((name: string) => name.replace(/[^\w-]/g, '\\$&'));
  secretName = new RegExp([SECRET_WORDS, ...escaped].join('|'), 'i');
}

export const looksSecret = (name: string): boolean => secretName.test(name);

function redactParams(params: string): string {
  return params
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      let name = pair.slice(0, equals);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {}
      return looksSecret(name) ? `${pair.slice(0, equals)}=[redacted]` : pair;
    })
    .join('&');
}

// A query or fragment runs to the next `#`; it also ends at whitespace, and
// before the commas that end a candidate of a srcset.
const redactQueries = (text: string): string =>
  text.replace(/([?#])([^#\s]*?)(?=#|,*(?:\s|$))/g, (whole, mark: string, params: string) => (params.includes('=') ? mark + redactParams(params) : whole));

/** The absolute URL without user:password@ and with secret-looking query (and fragment) values redacted. */
export function redactUrl(url: string): string {
  let absolute: URL;
  try {
    absolute = new URL(url, location.href);
  } catch {
    return url;
  }
  // href keeps the credentials of http://user:password@host/: they are dropped.
  absolute.username = absolute.password = '';
  return redactQueries(absolute.href);
}

/**
 * redactUrl's rules for URLs as a page wrote them (an attribute, a srcset):
 * each stays relative, unless it has user:password@, which only redactUrl
 * parses the way the browser does.
 */
export const redactUrlsAsWritten = (text: string): string => redactQueries(text.replace(/[^\s,]*\/\/[^/?#\s]*@[^\s,]*/g, redactUrl));

/**
 * Redacts each URL in free text (a stack, an error message, a console
 * argument) that could carry a secret: one with a query, a fragment or
 * credentials. A stack frame's `:line:column` after the URL is kept.
 */
export const redactUrlsIn = (text: string): string =>
  text.replace(/\bhttps?:\/\/[^\s()"'<>`]+?(?=(?::\d+){0,2}(?![^\s()"'<>`]))/g, (url) => (/[?#@]/.test(url) ? redactUrl(url) : url));

/**
 * Redacts the values of secret-looking names in a body: JSON is walked (and
 * so is JSON or a form inside its strings); other text, a form above all,
 * has its `name=value` and `"name": "value"` pairs redacted.
 */
export function redactText(text: string): string {
  if (/^\s*[[{]/.test(text)) {
    try {
      return JSON.stringify(redactJson(JSON.parse(text)));
    } catch {}
  }
  // A quoted value may run to the end: a body read only up to its cap is cut anywhere.
  return text.replace(/("?)([\w.-]+)\1(\s*[:=]\s*)("(?:[^"\\]|\\.)*(?:"|$)|[^\s,&;}\]{["]+)/g, (whole, quote: string, name: string, separator: string, value: string) =>
    looksSecret(name) ? `${quote}${name}${quote}${separator}${value[0] === '"' ? '"[redacted]"' : '[redacted]'}` : whole,
  );
}

const redactJson = (value: unknown): unknown =>
  typeof value === 'string'
    ? redactText(value)
    : value && typeof value === 'object'
      ? Array.isArray(value)
        ? value.map(redactJson)
        : Object.fromEntries(Object.entries(value).map(([name, item]) => [name, looksSecret(name) ? '[redacted]' : redactJson(item)]))
      : value;
