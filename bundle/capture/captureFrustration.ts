// Frustration signals (SPEC section 7), each a custom event with the clicked
// element's selector (tag, id, classes: never its text, so masked text cannot leak):
//   tracker.rageclick   3 or more clicks within 1 s (from the first of them) within 30 px
//   tracker.deadclick   a click on something that looks interactive, then for
//                       1 s no mutation, navigation, scroll, focus, selection or input
//                       (the page leaving, a form submitted and not prevented,
//                       a history entry pushed or replaced are navigations)
//   tracker.errorclick  a click, then within 1 s an uncaught error
// The listeners that watch for a reaction live only for the second after a
// click: nothing runs on a page that is not clicked.
import {redactUrlsIn} from '../lib/redactUrl';
import type {Emit} from './types';

const WINDOW_MS = 1000;
const RAGE_CLICKS = 3;
const RAGE_RADIUS = 30;
const INTERACTIVE = 'a[href],button,input[type=button],input[type=submit],summary,[role=button],[role=link],[onclick]';
const REACTIONS = ['scroll', 'focusin', 'selectionchange', 'input', 'change', 'popstate', 'hashchange', 'pagehide'];
// The Navigation API's navigate event says the page is leaving even when a
// slow server keeps it for seconds (and tells of pushState too). Not
// beforeunload: Firefox keeps no page with such a listener in its back-forward
// cache (https://github.com/mdn/content/issues/26739).
const navigation = (globalThis as {navigation?: EventTarget}).navigation;

/** A CSS path to the element: at most 4 levels, stopping at an id. */
export function selectorOf(element: Element): string {
  const parts: string[] = [];
  for (let node: Element | null = element; node && parts.length < 4; node = node.parentElement) {
    let part = node.localName;
    if (node.id) {
      parts.unshift(`${part}#${CSS.escape(node.id)}`);
      break;
    }
    for (const name of Array.from(node.classList).slice(0, 2)) part += `.${CSS.escape(name)}`;
    const name = node.localName;
    const same = Array.from(node.parentElement?.children ?? []).filter((child) => child.localName === name);
    if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
    parts.unshift(part);
  }
  return parts.join('>');
}

export function captureFrustration(emit: Emit, nodeId: (node: Node) => number | null): void {
  // Clicks near each other, each within 1 s of the previous one; a rage click
  // if 3 of them fell within 1 s, reported from the first of those 3.
  let burst: {x: number; y: number; times: number[]; rageAt?: number; payload: object; timer?: ReturnType<typeof setTimeout>} | null = null;
  // Clicks whose second has not passed yet, told of an uncaught error.
  const watching = new Set<(error: string) => void>();

  const endBurst = () => {
    if (burst?.rageAt) emit('tracker.rageclick', {...burst.payload, clicks: burst.times.length}, burst.rageAt);
    clearTimeout(burst?.timer);
    burst = null;
  };

  addEventListener('error', (event) => {
    if (event instanceof ErrorEvent) watching.forEach((tell) => tell(event.message));
  });
  addEventListener('unhandledrejection', () => watching.forEach((tell) => tell('unhandled rejection')));

  addEventListener(
    'click',
    (event) => {
      const target = event.target;
      if (!(target instanceof Element) || !event.isTrusted) return;
      const now = Date.now();
      const payload = {selector: selectorOf(target), nodeId: nodeId(target)};
      // A burst ends 1 s after its last click. A click in an ongoing burst is
      // not judged again as dead or error: the burst's first click is.
      if (burst && Math.hypot(event.clientX - burst.x, event.clientY - burst.y) <= RAGE_RADIUS) {
        const times = burst.times;
        const first = times[times.push(now) - RAGE_CLICKS];
        if (!burst.rageAt && now - first <= WINDOW_MS) burst.rageAt = first;
        clearTimeout(burst.timer);
        burst.timer = setTimeout(endBurst, WINDOW_MS);
        return;
      }
      endBurst();
      burst = {x: event.clientX, y: event.clientY, times: [now], payload, timer: setTimeout(endBurst, WINDOW_MS)};

      let reacted = false;
      const react = () => (reacted = true);
      // A router's pushState or replaceState may change nothing else.
      const {href} = location;
      const {state} = history;
      // Whether the page prevents it is known once every listener ran.
      let submitted: Event | undefined;
      const onSubmit = (submit: Event) => (submitted = submit);
      addEventListener('submit', onSubmit, true);
      const observer = new MutationObserver(react);
      observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
      for (const type of REACTIONS) addEventListener(type, react, true);
      navigation?.addEventListener('navigate', react);
      // Once per click; a click that failed is not also dead.
      const onError = (message: string) => {
        watching.delete(onError);
        reacted = true;
        emit('tracker.errorclick', {...payload, message: redactUrlsIn(String(message).slice(0, 200))}, now);
      };
      watching.add(onError);
      setTimeout(() => {
        observer.disconnect();
        for (const type of REACTIONS) removeEventListener(type, react, true);
        navigation?.removeEventListener('navigate', react);
        removeEventListener('submit', onSubmit, true);
        watching.delete(onError);
        // A link or a form the page let through navigates (maybe in another
        // tab, or slowly): the page is leaving, not stuck. A router that took
        // over (preventDefault) has to show a change like any other click.
        const leaving = (!event.defaultPrevented && target.closest('a[href]')) || (submitted && !submitted.defaultPrevented);
        const moved = location.href !== href || history.state !== state;
        if (!reacted && !leaving && !moved && target.closest(INTERACTIVE)) emit('tracker.deadclick', payload, now);
      }, WINDOW_MS);
    },
    true,
  );
}
