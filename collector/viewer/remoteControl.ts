// The agent's input while in control: a transparent layer over the live page
// catches the pointer, clicks, wheel and keys, and each becomes an AgentInput
// (bundle/assist/protocol.ts) for the user's page. The replay iframe runs no
// script but is same-origin, so the node under the pointer is found with the
// iframe document's elementFromPoint and named by its rrweb id; coordinates
// are in the recorded page's viewport (the drawn page divided by its scale).
//
// Keys, the simplest faithful mapping:
// - a printable character (no Ctrl, Alt or Meta) while the last click was on
//   an editable element (input, textarea, contenteditable) -> `type` with that
//   character as `text`, to insert at the caret of that element; pasted text
//   the same way, in one `type`;
// - anything else that edits or moves (Enter, Backspace, Delete, Tab, Escape,
//   arrows, Home, End, PageUp, PageDown) and printable characters with no
//   editable target (a space on a button) -> `key` with the key and code,
//   addressed to the element clicked last.
// Other shortcuts (Ctrl+A, Cmd+R) stay the viewer's.
//
// Scrolling: the wheel scrolls the replayed element under the pointer (or the
// page) at once, and `scroll` carries that element's id and its new scroll
// position (x = scrollLeft, y = scrollTop), as rrweb records scrolls.
import type {AgentInput} from '../../bundle/assist/protocol';
import type {LiveReplayer} from './liveReplayer';

/** At most 20 pointer moves and 20 scrolls a second. */
const THROTTLE_MS = 50;
const KEYS = new Set(['Enter', 'Backspace', 'Delete', 'Tab', 'Escape', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);

export interface RemoteControl {
  /** Catches input while `on`; lets everything through to the viewer otherwise. */
  setEnabled(on: boolean): void;
}

/** Calls `fn` at most once per `ms` with the latest arguments; the last call is never lost. */
function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: A | null = null;
  const run = () => {
    timer = undefined;
    last = Date.now();
    const args = pending!;
    pending = null;
    fn(...args);
  };
  return (...args: A) => {
    pending = args;
    if (timer === undefined) timer = setTimeout(run, Math.max(0, last + ms - Date.now()));
  };
}

const isEditable = (node: Element | null): boolean =>
  !!node && (node.tagName === 'TEXTAREA' || node.tagName === 'INPUT' || (node as HTMLElement).isContentEditable || node.getAttribute('contenteditable') === 'true');

function scrollableAncestor(node: Element | null, dx: number, dy: number): Element | null {
  for (let element = node; element; element = element.parentElement) {
    const style = element.ownerDocument.defaultView?.getComputedStyle(element);
    if (!style) break;
    const scrollsY = dy !== 0 && /auto|scroll/.test(style.overflowY) && element.scrollHeight > element.clientHeight;
    const scrollsX = dx !== 0 && /auto|scroll/.test(style.overflowX) && element.scrollWidth > element.clientWidth;
    if (scrollsX || scrollsY) return element;
  }
  return null;
}

export function createRemoteControl(layer: HTMLElement, live: LiveReplayer, send: (input: AgentInput) => void): RemoteControl {
  let enabled = false;
  /** The element the agent clicked last, where keys go. */
  let target: {id: number; editable: boolean} | null = null;

  const frame = () => live.replayer()?.iframe ?? null;
  const idOf = (node: Node | null) => {
    const id = node ? (live.replayer()?.getMirror().getId(node) ?? -1) : -1;
    return id > 0 ? id : undefined;
  };

  function pagePoint(event: MouseEvent): {x: number; y: number; node: Element | null} | null {
    const iframe = frame();
    const doc = iframe?.contentDocument;
    if (!iframe || !doc) return null;
    const rect = iframe.getBoundingClientRect();
    const scale = live.scale();
    const x = Math.round((event.clientX - rect.left) / scale);
    const y = Math.round((event.clientY - rect.top) / scale);
    return {x, y, node: doc.elementFromPoint(x, y)};
  }

  const sendPointer = throttle((x: number, y: number) => send({kind: 'pointer', x, y}), THROTTLE_MS);
  const sendScroll = throttle((id: number | undefined, x: number, y: number) => send({kind: 'scroll', id, x, y}), THROTTLE_MS);

  layer.addEventListener('pointermove', (event) => {
    const point = enabled && pagePoint(event);
    if (point) sendPointer(point.x, point.y);
  });
  layer.addEventListener('click', (event) => {
    const point = enabled && pagePoint(event);
    if (!point) return;
    layer.focus();
    const id = idOf(point.node);
    target = id === undefined ? null : {id, editable: isEditable(point.node)};
    send({kind: 'click', id, x: point.x, y: point.y, button: event.button});
  });
  layer.addEventListener(
    'wheel',
    (event) => {
      const point = enabled && pagePoint(event);
      if (!point) return;
      event.preventDefault();
      const doc = frame()!.contentDocument!;
      const element = scrollableAncestor(point.node, event.deltaX, event.deltaY) ?? doc.scrollingElement;
      if (!element) return;
      // Scrolled here at once, so that the next wheel event adds to it; the user's page then records the same position.
      element.scrollBy(event.deltaX, event.deltaY);
      sendScroll(idOf(element === doc.scrollingElement ? doc : element), Math.round(element.scrollLeft), Math.round(element.scrollTop));
    },
    {passive: false},
  );
  layer.addEventListener('keydown', (event) => {
    if (!enabled || event.isComposing) return;
    const printable = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey;
    if (printable && target?.editable) send({kind: 'type', id: target.id, text: event.key});
    else if (printable || KEYS.has(event.key)) send({kind: 'key', id: target?.id, key: event.key, code: event.code});
    else return;
    // Tab would move the viewer's own focus, Space and the arrows scroll it.
    event.preventDefault();
  });
  layer.addEventListener('paste', (event) => {
    const text = event.clipboardData?.getData('text/plain');
    if (!enabled || !text || !target?.editable) return;
    event.preventDefault();
    send({kind: 'type', id: target.id, text});
  });

  return {
    setEnabled(on) {
      enabled = on;
      layer.classList.toggle('controlling', on);
      if (on) {
        layer.tabIndex = 0;
        layer.focus();
      } else {
        layer.removeAttribute('tabindex');
        target = null;
      }
    },
  };
}
