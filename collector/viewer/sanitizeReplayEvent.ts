// Cleans a recorded event before the replayer builds it into the replay
// iframe. Anyone with the (public) project key can send a session, so a
// snapshot may hold anything a page could: event handler attributes,
// javascript: links, <script>, srcdoc. The iframe is sandboxed without
// allow-scripts and the viewer's CSP has script-src 'self', so none of it
// would run; this keeps it out of the replayed DOM as well, so that neither a
// replayer bug nor a later change of the sandbox turns it into script.
const FULL_SNAPSHOT = 2;
const INCREMENTAL_SNAPSHOT = 3;
const MUTATION = 0;
const ELEMENT_NODE = 2;
const TEXT_NODE = 3;

/** Attributes that navigate or submit: only relative and http(s) URLs stay. */
const LINK_ATTRIBUTES = new Set(['href', 'xlink:href', 'action', 'formaction', 'ping', 'cite', 'longdesc', 'codebase', 'archive', 'classid', 'manifest', 'profile', 'usemap', 'icon']);
/** Attributes that load a resource: images inlined as data:image/ (rrweb's rr_dataURL) and blob: stay too. */
const SOURCE_ATTRIBUTES = new Set(['src', 'data', 'poster', 'background', 'lowsrc', 'dynsrc', 'rr_dataurl']);
/** Elements whose source is a document: rrweb records iframes' content, not their src (rr_src). */
const FRAME_TAGS = new Set(['iframe', 'frame', 'object', 'embed', 'applet']);

/** The URL as a browser reads it: leading controls and spaces dropped, tabs and newlines removed anywhere. */
const normalized = (value: string) => value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '').toLowerCase();
const schemeOf = (url: string) => /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1] ?? null;
const isScriptUrl = (value: string) => /^(javascript|vbscript|livescript):/.test(normalized(value));
/** url(javascript:...) in CSS: never run by browsers, but each one is a CSP report on the console. */
const SCRIPT_URL_IN_CSS = /url\(\s*(['"]?)\s*(?:javascript|vbscript|livescript)\s*:[^)]*\)/gi;
const withoutScriptUrls = (css: string) => css.replace(SCRIPT_URL_IN_CSS, 'none');

function isSafeUrl(value: string, source: boolean): boolean {
  const url = normalized(value);
  const scheme = schemeOf(url);
  if (scheme === null || scheme === 'http' || scheme === 'https') return true;
  return source && (scheme === 'blob' || url.startsWith('data:image/'));
}

/** Whether a recorded attribute may be set in the replay: `tag` is known for built nodes, not for attribute mutations. */
function keepAttribute(name: string, value: unknown, tag: string | null): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('on') || lower === 'srcdoc') return false;
  if (typeof value !== 'string') return true;
  if (isScriptUrl(value)) return false;
  if (lower === 'http-equiv') return !/^\s*(refresh|set-cookie)\s*$/i.test(value);
  // URLs were made absolute when recorded; a <base> would only meet the CSP's base-uri 'none'.
  if (tag === 'base' && lower === 'href') return false;
  if (LINK_ATTRIBUTES.has(lower)) return isSafeUrl(value, false);
  if (SOURCE_ATTRIBUTES.has(lower)) return !(tag && FRAME_TAGS.has(tag)) && isSafeUrl(value, true);
  if (lower === 'srcset' || lower === 'imagesrcset') return value.split(',').every((candidate) => isSafeUrl(candidate.trim().split(/\s+/)[0] ?? '', true));
  return true;
}

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null;

/** Cleans a serialized node and its subtree (iframes' documents included), in place. */
function sanitizeNode(root: unknown): void {
  const stack = [root];
  while (stack.length) {
    const node = stack.pop();
    if (!isObject(node)) continue;
    if (node.type === ELEMENT_NODE && typeof node.tagName === 'string') {
      const tag = node.tagName.toLowerCase();
      // rrweb builds <script> as <noscript> already; done here too, whatever the replayer does.
      if (tag === 'script') node.tagName = 'noscript';
      if (isObject(node.attributes)) {
        for (const [name, value] of Object.entries(node.attributes)) {
          if (!keepAttribute(name, value, tag)) delete node.attributes[name];
          else if ((name === 'style' || name === '_cssText') && typeof value === 'string') node.attributes[name] = withoutScriptUrls(value);
        }
      }
    }
    // A <style>'s text (rrweb marks it isStyle).
    if (node.type === TEXT_NODE && node.isStyle && typeof node.textContent === 'string') node.textContent = withoutScriptUrls(node.textContent);
    if (Array.isArray(node.childNodes)) for (const child of node.childNodes) stack.push(child);
  }
}

/** Cleans what `event` would build or change in the replay, in place, and returns it. */
export function sanitizeReplayEvent<E extends {type: number; data: any}>(event: E): E {
  const data = event.data;
  if (!isObject(data)) return event;
  if (event.type === FULL_SNAPSHOT) sanitizeNode(data.node);
  if (event.type === INCREMENTAL_SNAPSHOT && data.source === MUTATION) {
    if (Array.isArray(data.adds)) for (const add of data.adds) if (isObject(add)) sanitizeNode(add.node);
    if (Array.isArray(data.attributes)) {
      for (const change of data.attributes) {
        if (!isObject(change) || !isObject(change.attributes)) continue;
        // null removes the attribute: a refused value leaves none behind.
        for (const [name, value] of Object.entries(change.attributes)) {
          if (!keepAttribute(name, value, null)) change.attributes[name] = null;
          else if (name === 'style' && typeof value === 'string') change.attributes[name] = withoutScriptUrls(value);
        }
      }
    }
  }
  return event;
}
