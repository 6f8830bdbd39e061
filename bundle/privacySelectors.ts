// What the recorder leaves out (blocked: an empty box in replay) and masks.
// Apart from rrweb, so that tracker-assist.js refuses agent input on the very
// elements the recording blocks without carrying the recorder.
import type {InitOptions} from './types';
import {warn} from './lib/warn';

// The tracker's own UI (Assist's dialog and control bar) carries .tracker-block.
const BLOCK_SELECTOR = '.tracker-block,[data-tracker-block]';
const MASK_TEXT_SELECTOR = '.tracker-mask,[data-tracker-mask]';
// Password fields are blocked, not masked: masking would still reveal the
// length and the rhythm of typing through rrweb's input events.
const PASSWORD_SELECTOR = 'input[type=password i]';

// A site owner's invalid selector must not make rrweb throw on every node.
function validSelector(selector: string | undefined): string | null {
  if (!selector) return null;
  try {
    document.createDocumentFragment().querySelector(selector);
    return selector;
  } catch {
    warn(`ignoring the invalid selector ${JSON.stringify(selector)}`);
    return null;
  }
}

const joinSelectors = (...selectors: (string | null)[]) => selectors.filter(Boolean).join(',');

/** The elements recorded as empty boxes (block) and with their text masked. */
export function privacySelectors(options: InitOptions): {blockSelector: string; maskTextSelector: string} {
  return {
    blockSelector: joinSelectors(BLOCK_SELECTOR, PASSWORD_SELECTOR, validSelector(options.blockSelector)),
    maskTextSelector: options.maskAllText ? '*' : joinSelectors(MASK_TEXT_SELECTOR, validSelector(options.maskTextSelector)),
  };
}
