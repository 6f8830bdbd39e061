// Watching and control (SPEC section 8), from tracker-assist.js: what the
// page does with the collector's frames once an agent has joined.
//   agents    who watches; streaming stops when none does
//   snapshot  a fresh full snapshot, then every recorded event as it comes
//   control   the consent dialog, then the agent's input, until control ends
import type {AssistOptions} from '../types';
import type {Assist, AssistHost} from './host';
import type {ControlState, ToTrackerFrame} from './protocol';
import {privacySelectors} from '../privacySelectors';
import {assistTexts} from './assistTexts';
import {createAssistUI, type AssistUI} from './assistUI';
import {streamEvents} from './streamEvents';
import {applyInput} from './applyInput';
import {onHidden} from '../lib/onHidden';
import {warn} from '../lib/warn';

const FULL_SNAPSHOT = 2;
// The agents this tab's user let watch (confirmView), kept across its page loads.
const VIEW_KEY = 'tracker:assist:view';

function readAllowed(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(VIEW_KEY) || '[]'));
  } catch {
    return new Set();
  }
}

function storeAllowed(allowed: Set<string>): void {
  try {
    sessionStorage.setItem(VIEW_KEY, JSON.stringify([...allowed]));
  } catch {}
}

/** Finds the element rrweb recorded under `id` (the recorder's mirror, through nodeId). */
function nodeByIdIn(nodeId: (node: Node) => number | null, id: number): Element | null {
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (nodeId(node) === id) return node as Element;
  }
  return null;
}

export function startAssist(host: AssistHost): Assist {
  const settings: AssistOptions = typeof host.options.assist === 'object' && host.options.assist ? host.options.assist : {};
  const confirmView = settings.confirmView === true;
  const confirmControl = settings.confirmControl !== false;
  const {blockSelector} = privacySelectors(host.options);
  let ui: AssistUI | null = null;
  const getUI = () => (ui ??= createAssistUI(assistTexts(settings.texts)));

  // The site's callbacks: what they throw stays with them.
  const notify = <A>(name: 'onAgents' | 'onControl', arg: A) => {
    try {
      (settings[name] as ((arg: A) => void) | undefined)?.(arg);
    } catch (error) {
      warn(`assist.${name} threw`, error);
    }
  };

  let agents: string[] = [];
  const allowed = confirmView ? readAllowed() : null;
  const denied = new Set<string>();
  let viewDialog: {close(): void} | null = null;
  let snapshotWanted = false;
  let streaming = false;
  let snapshotSeen = false;
  let controller: string | null = null;
  let controlDialog: {agent: string; close(): void} | null = null;

  const stream = streamEvents(host.send);
  const canWatch = () => agents.length > 0 && (!allowed || agents.every((agent) => allowed.has(agent)));
  const sendControl = (state: ControlState, agent: string) => host.send({t: 'control', state, agent});

  function startStreaming(): void {
    stream.clear();
    streaming = true;
    snapshotSeen = false;
    host.tap((event, json) => {
      if (event.type === FULL_SNAPSHOT) snapshotSeen = true;
      stream.add(json);
    });
    // In an assistOnly session the recorder starts now, with a snapshot of its own.
    const recorder = host.recorder();
    if (!snapshotSeen) recorder?.takeFullSnapshot();
    stream.flush();
  }

  function stopStreaming(): void {
    streaming = false;
    host.tap(null);
    stream.clear();
  }

  function endControl(): void {
    if (!controller) return;
    const agent = controller;
    controller = null;
    ui?.hideControl();
    sendControl('ended', agent);
    notify('onControl', 'ended');
  }

  function grantControl(agent: string): void {
    controller = agent;
    getUI().showControl(agent, endControl);
    sendControl('allowed', agent);
    notify('onControl', 'allowed');
  }

  function askToWatch(): void {
    if (!allowed || viewDialog) return;
    const asking = agents.filter((agent) => !allowed.has(agent) && !denied.has(agent));
    if (!asking.length) return;
    const dialog = getUI().ask('view', asking.join(', '));
    viewDialog = dialog;
    void dialog.answer.then((yes) => {
      if (viewDialog !== dialog) return;
      viewDialog = null;
      for (const agent of asking) (yes ? allowed : denied).add(agent);
      if (yes) storeAllowed(allowed);
      update();
    });
  }

  // After any change of who watches or may watch: stream, or not.
  function update(): void {
    if (controller && !agents.includes(controller)) endControl();
    if (controlDialog && !agents.includes(controlDialog.agent)) controlDialog.close();
    if (!agents.length) viewDialog?.close();
    askToWatch();
    const watching = canWatch();
    if (streaming && !watching) stopStreaming();
    else if (!streaming && watching && snapshotWanted) startStreaming();
  }

  async function requestControl(agent: string): Promise<void> {
    if (controller || controlDialog || !canWatch() || !agents.includes(agent)) return sendControl('denied', agent);
    if (!confirmControl) return grantControl(agent);
    sendControl('asked', agent);
    const dialog = getUI().ask('control', agent);
    controlDialog = {agent, close: dialog.close};
    const yes = await dialog.answer;
    controlDialog = null;
    if (yes && agents.includes(agent) && !controller) grantControl(agent);
    else sendControl('denied', agent);
  }

  function onFrame(frame: ToTrackerFrame): void {
    if (frame.t === 'agents') {
      agents = Array.isArray(frame.agents) ? frame.agents.map(String) : [];
      if (!agents.length) snapshotWanted = false;
      update();
      notify('onAgents', canWatch() ? [...agents] : []);
    } else if (frame.t === 'snapshot') {
      snapshotWanted = true;
      if (canWatch()) startStreaming();
    } else if (frame.t === 'control') {
      if (frame.action === 'request') void requestControl(String(frame.agent));
      else if (frame.agent === controller) endControl();
      else if (controlDialog?.agent === frame.agent) controlDialog.close();
    } else if (frame.t === 'input' && controller && frame.agent === controller && frame.input) {
      applyInput(frame.input, {
        nodeById: (id) => {
          const recorder = host.recorder();
          return recorder ? nodeByIdIn(recorder.nodeId, id) : null;
        },
        blockSelector,
        ownUI: ui?.host ?? null,
        showPointer: (x, y) => ui?.movePointer(x, y),
      });
    }
  }

  // The user ends control: Esc (a key the user pressed, not one an agent sent), or the tab hidden or closed.
  const onKey = (event: KeyboardEvent) => {
    if (event.isTrusted && event.key === 'Escape' && controller) endControl();
  };
  addEventListener('keydown', onKey, true);
  onHidden(() => endControl());

  return {
    onFrame(frame) {
      try {
        onFrame(frame);
      } catch (error) {
        warn('Assist could not handle a frame', error);
      }
    },
    stop() {
      endControl();
      controlDialog?.close();
      viewDialog?.close();
      stopStreaming();
      removeEventListener('keydown', onKey, true);
      ui?.remove();
      ui = null;
      agents = [];
    },
  };
}
