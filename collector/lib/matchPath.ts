// Matches a route pattern against a URL path. `:name` takes one path segment,
// a trailing `*` takes the rest. Returns the named segments (decoded), or null.
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const wanted = pattern.split('/');
  const given = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const part = wanted[i];
    if (part === '*' && i === wanted.length - 1) return params;
    if (i >= given.length) return null;
    if (part.startsWith(':')) {
      if (!given[i]) return null;
      try {
        params[part.slice(1)] = decodeURIComponent(given[i]);
      } catch {
        return null;
      }
    } else if (part !== given[i]) {
      return null;
    }
  }
  return wanted.length === given.length ? params : null;
}
