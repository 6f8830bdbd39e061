// An agent channel's frame, checked against protocol.ts; null when it is not one.
// Input is checked field by field and rebuilt, so that nothing but what the
// protocol names ever reaches the user's page.
import type {AgentFrame, AgentInput} from '../../bundle/assist/protocol';
import {isText, readFrameObject} from './readFrame';

const MAX_TEXT = 4096;

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const optionalNumber = (value: unknown) => value === undefined || isNumber(value);

export function parseAgentFrame(data: string): AgentFrame | null {
  const frame = readFrameObject(data);
  if (!frame) return null;
  switch (frame.t) {
    case 'tab':
      return isText(frame.tab, 128) ? {t: 'tab', tab: frame.tab} : null;
    case 'control':
      return frame.action === 'request' || frame.action === 'end' ? {t: 'control', action: frame.action} : null;
    case 'input': {
      const input = parseInput(frame.input);
      return input ? {t: 'input', input} : null;
    }
    default:
      return null;
  }
}

function parseInput(value: unknown): AgentInput | null {
  if (!value || typeof value !== 'object') return null;
  const input = value as Record<string, unknown>;
  const {id, x, y} = input;
  if (!optionalNumber(id)) return null;
  const target = id === undefined ? {} : {id: id as number};
  switch (input.kind) {
    case 'pointer':
      return isNumber(x) && isNumber(y) ? {kind: 'pointer', x, y} : null;
    case 'click':
      if (!isNumber(x) || !isNumber(y) || !optionalNumber(input.button)) return null;
      return {kind: 'click', ...target, x, y, ...(input.button !== undefined && {button: input.button as number})};
    case 'type':
      return isNumber(id) && isText(input.text, MAX_TEXT) ? {kind: 'type', id, text: input.text} : null;
    case 'key':
      if (!isText(input.key, 64) || !(input.code === undefined || isText(input.code, 64))) return null;
      return {kind: 'key', ...target, key: input.key, ...(input.code !== undefined && {code: input.code as string})};
    case 'scroll':
      return isNumber(x) && isNumber(y) ? {kind: 'scroll', ...target, x, y} : null;
    default:
      return null;
  }
}
