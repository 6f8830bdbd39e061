// What Assist shows in the page: the consent dialog, and while an agent is in
// control an outline around the viewport, the agent's labelled pointer and an
// "End control" bar. All of it lives in an open shadow root on one (0x0) host
// element that the recorder blocks (.tracker-block), so agents never see it in
// the stream and never receive input on it. Built with DOM calls and styled
// by a constructable stylesheet (adoptedStyleSheets) and CSSOM: it works
// under a CSP without 'unsafe-inline'.
import {fillText} from './assistTexts';
import type {AssistTexts} from '../types';

const CONSENT_TIMEOUT_MS = 30_000;

const CSS = `
:host{all:initial;position:fixed;top:0;left:0;width:0;height:0;z-index:2147483647;pointer-events:none;font:15px/1.4 system-ui,sans-serif;color:#1b1b1f}
.backdrop{position:fixed;inset:0;display:grid;place-items:center;background:rgba(0,0,0,.35);pointer-events:auto}
[role=dialog]{max-width:26rem;margin:1rem;padding:1.25rem 1.5rem;border-radius:10px;background:#fff;box-shadow:0 10px 40px rgba(0,0,0,.3)}
h2{margin:0 0 .5rem;font-size:1.1rem}
p{margin:0 0 1rem}
.actions{display:flex;gap:.5rem;justify-content:flex-end}
button{font:inherit;padding:.45rem 1rem;border-radius:6px;border:1px solid #767680;background:#fff;color:#1b1b1f;cursor:pointer}
button.primary{background:#1d4ed8;border-color:#1d4ed8;color:#fff}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.outline{position:fixed;inset:0;border:4px solid #f59e0b}
.bar{position:fixed;left:50%;bottom:12px;transform:translateX(-50%);display:flex;gap:.75rem;align-items:center;padding:.5rem .75rem;border-radius:8px;background:#1b1b1f;color:#fff;pointer-events:auto}
.bar button{padding:.3rem .75rem}
.pointer{position:fixed;left:0;top:0;transition:transform 80ms linear}
.pointer::before{content:"";position:absolute;width:14px;height:14px;margin:-7px 0 0 -7px;border-radius:50%;background:#f59e0b;border:2px solid #fff}
.pointer span{position:absolute;left:12px;top:10px;padding:1px 6px;border-radius:4px;background:#f59e0b;color:#1b1b1f;font-size:12px;white-space:nowrap}
[hidden]{display:none!important}
`;

export interface AssistUI {
  /** The shadow host: input on it or inside it is refused. */
  host: HTMLElement;
  /** Asks the user; resolves true for "Allow", false for "Deny", Esc or no answer in 30 s. close() answers false. */
  ask(kind: 'view' | 'control', agent: string): {answer: Promise<boolean>; close(): void};
  showControl(agent: string, onEnd: () => void): void;
  hideControl(): void;
  movePointer(x: number, y: number): void;
  remove(): void;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function adoptStyles(root: ShadowRoot): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    // Browsers without constructable stylesheets (Safari before 16.4): a
    // <style> element, which a CSP without 'unsafe-inline' would refuse.
    root.append(element('style', '', CSS));
  }
}

export function createAssistUI(texts: AssistTexts, consentTimeoutMs = CONSENT_TIMEOUT_MS): AssistUI {
  const host = element('div', 'tracker-block');
  host.setAttribute('data-tracker-assist', '');
  const root = host.attachShadow({mode: 'open'});
  adoptStyles(root);
  const mount = () => host.isConnected || document.documentElement.append(host);

  const outline = element('div', 'outline');
  const pointer = element('div', 'pointer');
  const pointerLabel = pointer.appendChild(element('span'));
  const bar = element('div', 'bar');
  const barText = bar.appendChild(element('span'));
  const endButton = bar.appendChild(element('button', '', texts.endControl));
  endButton.type = 'button';
  for (const node of [outline, pointer, bar]) {
    node.hidden = true;
    root.append(node);
  }
  let onEnd: (() => void) | null = null;
  endButton.addEventListener('click', () => onEnd?.());

  return {
    host,
    ask(kind, agent) {
      mount();
      const backdrop = element('div', 'backdrop');
      const dialog = backdrop.appendChild(element('div'));
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      dialog.id = `tracker-${kind}`;
      const title = dialog.appendChild(element('h2', '', fillText(kind === 'view' ? texts.viewTitle : texts.controlTitle, agent)));
      const message = dialog.appendChild(element('p', '', fillText(kind === 'view' ? texts.viewMessage : texts.controlMessage, agent)));
      title.id = `${dialog.id}-title`;
      message.id = `${dialog.id}-message`;
      dialog.setAttribute('aria-labelledby', title.id);
      dialog.setAttribute('aria-describedby', message.id);
      const actions = dialog.appendChild(element('div', 'actions'));
      const deny = actions.appendChild(element('button', '', texts.deny));
      const allow = actions.appendChild(element('button', 'primary', texts.allow));
      deny.type = allow.type = 'button';
      let settle: (allowed: boolean) => void = () => {};
      const answer = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => settle(false), consentTimeoutMs);
        settle = (allowed) => {
          clearTimeout(timer);
          backdrop.remove();
          settle = () => {};
          resolve(allowed);
        };
      });
      allow.addEventListener('click', () => settle(true));
      deny.addEventListener('click', () => settle(false));
      dialog.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') settle(false);
      });
      root.append(backdrop);
      // The least consequential answer has the focus: Enter pressed by chance denies.
      deny.focus();
      return {answer, close: () => settle(false)};
    },
    showControl(agent, end) {
      mount();
      onEnd = end;
      barText.textContent = fillText(texts.controlled, agent);
      pointerLabel.textContent = agent;
      outline.hidden = bar.hidden = false;
    },
    hideControl() {
      onEnd = null;
      outline.hidden = bar.hidden = pointer.hidden = true;
    },
    movePointer(x, y) {
      pointer.hidden = false;
      // CSSOM, not a style attribute: allowed by a strict CSP.
      pointer.style.transform = `translate(${Math.round(x)}px,${Math.round(y)}px)`;
    },
    remove() {
      onEnd = null;
      host.remove();
    },
  };
}
