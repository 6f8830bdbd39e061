// Turns anything a page passes to console.* (or rejects a promise with) into
// bounded text, cheaply and without ever throwing: strings are cut, objects
// are walked to a bounded depth within a budget of characters, circular
// references, DOM nodes, Errors, Symbols, BigInts and getters that throw are
// described rather than followed.
const MAX_STRING = 1000;
const MAX_DEPTH = 3;
const MAX_KEYS = 20;
const BUDGET = 2000;

export const cut = (text: string, max = MAX_STRING): string => (text.length > max ? `${text.slice(0, max)}…` : text);

function describeNode(node: Node): string {
  if (node.nodeType === 3) return `#text ${JSON.stringify(cut(node.textContent ?? '', 80))}`;
  const element = node as Element;
  if (!element.tagName) return node.nodeName;
  const id = element.id ? `#${element.id}` : '';
  const classes = typeof element.className === 'string' && element.className.trim() ? `.${element.className.trim().split(/\s+/).join('.')}` : '';
  return `<${element.tagName.toLowerCase()}${id}${classes}>`;
}

export function describeError(error: Error): string {
  const head = `${error.name}: ${error.message}`;
  const stack = String(error.stack ?? '');
  // V8 starts the stack with the same "Name: message" line; Firefox and WebKit do not.
  return stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
}

export function describeValue(value: unknown): string {
  let budget = BUDGET;
  const seen: object[] = [];
  const walk = (value: unknown, depth: number): string => {
    if (budget <= 0) return '…';
    let text: string;
    try {
      text = describeOne(value, depth);
    } catch {
      text = '[unreadable]';
    }
    budget -= text.length;
    return text;
  };
  const describeOne = (value: unknown, depth: number): string => {
    switch (typeof value) {
      case 'string':
        return depth ? JSON.stringify(cut(value)) : cut(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return value.toString();
      case 'function':
        return `[Function ${value.name || 'anonymous'}]`;
      case 'object':
        break;
      default:
        return String(value);
    }
    if (value === null) return 'null';
    if (value instanceof Error) return cut(describeError(value), 8192);
    if (typeof Node === 'function' && value instanceof Node) return describeNode(value);
    if (value instanceof Date) return value.toISOString();
    if (seen.includes(value)) return '[Circular]';
    const isArray = Array.isArray(value);
    if (depth >= MAX_DEPTH) return isArray ? `Array(${value.length})` : '{…}';
    seen.push(value);
    try {
      // An array's length, not Object.keys: a million-item array costs 20 reads.
      const total = isArray ? value.length : 0;
      const keys = isArray ? Array.from({length: Math.min(total, MAX_KEYS)}, (_, i) => String(i)) : Object.keys(value);
      const parts: string[] = [];
      for (const key of keys.slice(0, MAX_KEYS)) {
        let item: string;
        try {
          item = walk((value as Record<string, unknown>)[key], depth + 1);
        } catch (error) {
          item = `[getter threw ${error}]`;
        }
        parts.push((isArray ? '' : `${key}: `) + item);
        if (budget <= 0) break;
      }
      if (Math.max(total, keys.length) > parts.length) parts.push('…');
      return isArray ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
    } finally {
      seen.pop();
    }
  };
  return walk(value, 0);
}
