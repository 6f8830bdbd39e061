// An agent's input, applied in the user's page while the agent is in control
// (SPEC section 8): DOM events on elements of the recorded page, shaped so
// that the page's code sees them as a user's (React's onChange fires). Never
// script, never innerHTML, never a javascript: URL; never a password field,
// an element the recording blocks, or the tracker's own UI.
import type {AgentInput} from './protocol';

export interface InputTarget {
  /** The element rrweb recorded under this id, if it is still in the page. */
  nodeById(id: number): Element | null;
  /** The recorder's block selector (it includes password fields and the tracker's UI). */
  blockSelector: string;
  /** The tracker's own UI (Assist's shadow host). */
  ownUI: Element | null;
  /** The agent's pointer moved or clicked: show it. */
  showPointer(x: number, y: number): void;
}

const PASSWORD = 'input[type=password i]';

/** Why input may not reach `element`, or null when it may. */
export function refusal(element: Element | null, blockSelector: string, ownUI: Element | null): string | null {
  if (!element || !element.isConnected || element.ownerDocument !== document) return 'not an element of the page';
  if (element.closest(PASSWORD)) return 'a password field';
  if (blockSelector && element.closest(blockSelector)) return 'a blocked element';
  if (ownUI && (element === ownUI || ownUI.contains(element))) return "the tracker's own UI";
  const link = element.closest('a[href]');
  // Any whitespace or control character before the scheme is ignored by URL parsing.
  if (link && /^[\s\x00-\x20]*javascript:/i.test(link.getAttribute('href') || '')) return 'a javascript: link';
  return null;
}

const isTextField = (element: Element): element is HTMLInputElement | HTMLTextAreaElement =>
  element instanceof HTMLTextAreaElement || (element instanceof HTMLInputElement && !/^(checkbox|radio|file|submit|button|reset|image|range|color|hidden)$/i.test(element.type));

// React tracks an input's value through its own setter on the element: the
// prototype's native setter changes the value under it, so the input event
// that follows is seen as a change (https://github.com/facebook/react/issues/10135).
function setNativeValue(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(field, value);
}

function selection(field: HTMLInputElement | HTMLTextAreaElement): [number, number] {
  try {
    // Null (or a throw) for types without a selection (email, number): the end.
    const start = field.selectionStart;
    if (start !== null) return [start, field.selectionEnd ?? start];
  } catch {}
  return [field.value.length, field.value.length];
}

function edit(field: HTMLInputElement | HTMLTextAreaElement, text: string, inputType: string): void {
  if (field.disabled || field.readOnly) return;
  const [start, end] = selection(field);
  const from = inputType === 'deleteContentBackward' && start === end ? Math.max(0, start - 1) : start;
  setNativeValue(field, field.value.slice(0, from) + text + field.value.slice(end));
  try {
    field.setSelectionRange(from + text.length, from + text.length);
  } catch {}
  field.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true, inputType, data: text || null}));
  field.dispatchEvent(new Event('change', {bubbles: true}));
}

function click(element: Element, x: number, y: number, button: number): void {
  const init = {bubbles: true, cancelable: true, composed: true, clientX: x, clientY: y, button, view: window};
  const pointer = {...init, pointerId: 1, pointerType: 'mouse', isPrimary: true};
  element.dispatchEvent(new PointerEvent('pointerdown', pointer));
  element.dispatchEvent(new MouseEvent('mousedown', init));
  (element.closest('input,textarea,select,button,a[href],[tabindex],[contenteditable]') as HTMLElement | null)?.focus();
  element.dispatchEvent(new PointerEvent('pointerup', pointer));
  element.dispatchEvent(new MouseEvent('mouseup', init));
  element.dispatchEvent(new MouseEvent('click', init));
}

function key(element: Element, input: {key: string; code?: string}): void {
  const init = {key: input.key, code: input.code ?? '', bubbles: true, cancelable: true, composed: true};
  const proceed = element.dispatchEvent(new KeyboardEvent('keydown', init));
  if (proceed && isTextField(element)) {
    if (input.key === 'Backspace') edit(element, '', 'deleteContentBackward');
    // Enter in a form's text input submits it, as a user's would (validation and the submit event included).
    else if (input.key === 'Enter' && element instanceof HTMLInputElement) element.form?.requestSubmit();
  }
  element.dispatchEvent(new KeyboardEvent('keyup', init));
}

/** Applies `input`; returns why it was refused, or null. */
export function applyInput(input: AgentInput, target: InputTarget): string | null {
  const byId = (id: number | undefined) => (typeof id === 'number' ? target.nodeById(id) : null);
  const check = (element: Element | null) => refusal(element, target.blockSelector, target.ownUI);
  switch (input.kind) {
    case 'pointer':
      target.showPointer(input.x, input.y);
      return null;
    case 'click': {
      target.showPointer(input.x, input.y);
      const element = byId(input.id) ?? document.elementFromPoint(input.x, input.y);
      const refused = check(element);
      if (!refused) click(element!, input.x, input.y, input.button ?? 0);
      return refused;
    }
    case 'type': {
      const element = byId(input.id);
      const refused = check(element) ?? (isTextField(element!) ? null : 'not a text field');
      if (!refused) edit(element as HTMLInputElement, String(input.text), 'insertText');
      return refused;
    }
    case 'key': {
      const element = byId(input.id) ?? document.activeElement;
      const refused = check(element);
      if (!refused) key(element!, input);
      return refused;
    }
    case 'scroll': {
      if (input.id === undefined) {
        scrollTo(input.x, input.y);
        return null;
      }
      const element = byId(input.id);
      const refused = check(element);
      if (!refused) element!.scrollTo(input.x, input.y);
      return refused;
    }
    default:
      return 'unknown input';
  }
}
