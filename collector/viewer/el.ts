// The viewer's one DOM helper: an element with attributes and children.
// Everything a session holds is hostile input (the project key is public, so
// anyone can send a session): strings become attribute values and text nodes,
// never markup, and no attribute can run script or point at a script URL.
import {isSafeLink} from './isSafeLink';

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href']);

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    // A programming error, never a session's doing: the names are ours. Thrown
    // so that a change that would put a session's URL in a link fails its tests.
    if (/^on|^srcdoc$/i.test(name)) throw new Error(`el() sets no ${name} attribute: handlers go through addEventListener, markup nowhere`);
    if (URL_ATTRIBUTES.has(name.toLowerCase()) && !isSafeLink(value)) throw new Error(`el() refused ${name}="${value}": only http(s) and the viewer's own addresses`);
    node.setAttribute(name, String(value));
  }
  // append() makes text nodes of strings: no markup is ever parsed.
  node.append(...children.map((child) => (child instanceof Node ? child : String(child))));
  return node;
}
