// The words Assist shows the user; every one can be replaced through
// `assist.texts` (types.ts). `{agent}` stands for the agent's name.
import type {AssistTexts} from '../types';

export const DEFAULT_ASSIST_TEXTS: AssistTexts = {
  controlTitle: 'Allow remote control?',
  controlMessage:
    '{agent} from support asks to control this page: to click, type and scroll for you, never in password fields. You can end control at any time, with the End control button or Esc.',
  viewTitle: 'Allow support to see this page?',
  viewMessage: '{agent} from support asks to see this page as you use it. Masked and hidden content stays hidden.',
  allow: 'Allow',
  deny: 'Deny',
  controlled: '{agent} is controlling this page',
  endControl: 'End control',
};

/** The site's texts over the defaults; anything but a string is ignored. */
export function assistTexts(custom: unknown): AssistTexts {
  const texts = {...DEFAULT_ASSIST_TEXTS};
  if (custom && typeof custom === 'object') {
    for (const key of Object.keys(texts) as (keyof AssistTexts)[]) {
      const value = (custom as Record<string, unknown>)[key];
      if (typeof value === 'string' && value) texts[key] = value;
    }
  }
  return texts;
}

export const fillText = (text: string, agent: string) => text.split('{agent}').join(agent);
