// Whether a URL may become a link or a source in the viewer: the viewer's own
// routes (#/...), paths on its own origin, and http(s) URLs. Anything else
// (javascript:, data:, vbscript:, blob:, and what browsers read as one of
// them after dropping tabs, newlines and leading controls) stays text.
export function isSafeLink(value: string): boolean {
  if (typeof value !== 'string') return false;
  // Browsers strip leading C0 controls and spaces, and tabs and newlines anywhere
  // (https://url.spec.whatwg.org/#concept-basic-url-parser): "java\tscript:" is javascript:.
  const url = value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '');
  if (url.startsWith('#') || (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\'))) return true;
  return /^https?:\/\//i.test(url);
}
