// rrweb's DOM recording with privacy by default. Every emitted event goes to
// `onEvent` redacted (lib/redactRecordedEvent.ts), so nothing after this sees
// a URL secret, an email or a card number that the page showed.
//
// A full snapshot is taken in slices (slicedSnapshot.ts): each node is
// redacted and made JSON as soon as its subtree is complete, so the snapshot
// arrives with its JSON, and no task has to walk or stringify it whole.
import {record} from '@rrweb/record';
import type {InitOptions, RecordedEvent} from './types';
import {redactRecordedEvent, redactSnapshotNode} from './lib/redactRecordedEvent';
import {finishSlices, onSnapshotNode, type SnapshotNode} from './slicedSnapshot';
import {privacySelectors} from './privacySelectors';
import {warn} from './lib/warn';

export interface Recorder {
  stop(): void;
  takeFullSnapshot(): void;
  nodeId(node: Node | null | undefined): number | null;
}

const FULL_SNAPSHOT = 2;

/** `json` comes with a full snapshot, made as it was taken. */
export type OnRecordedEvent = (event: RecordedEvent, json?: string) => void;

export function startRecording(options: InitOptions, onEvent: OnRecordedEvent): Recorder | null {
  const maskText = options.maskEmailsAndCards !== false;
  const onError = (error: unknown) => {
    warn('recording error', error);
    return true;
  };
  // The JSON of each node whose parent is not complete yet.
  const pending = new Map<SnapshotNode, string>();
  const take = (node: SnapshotNode) => {
    const json = pending.get(node) ?? JSON.stringify(node);
    pending.delete(node);
    return json;
  };
  onSnapshotNode((node) => {
    redactSnapshotNode(node as unknown as Record<string, unknown>, maskText);
    const {childNodes, ...rest} = node;
    const json = JSON.stringify(rest);
    // join(), not +: a flat string each time, where + would leave the batch a
    // rope of a node's pieces to flatten in one task (40 ms for 1 MB).
    pending.set(node, childNodes ? [json.slice(0, -1), ',"childNodes":[', childNodes.map(take).join(','), ']}'].join('') : json);
  });
  const stop = record({
    emit(event) {
      // An event that could not be redacted is dropped, never sent as it was.
      try {
        const {type, data} = event as RecordedEvent & {data: {node: SnapshotNode}};
        if (type === FULL_SNAPSHOT && pending.has(data.node)) {
          const node = take(data.node);
          pending.clear();
          const shell = JSON.stringify({...event, data: {...data, node: 0}});
          return onEvent(event as RecordedEvent, shell.split('"node":0').join(`"node":${node}`));
        }
        onEvent(redactRecordedEvent(event as RecordedEvent, maskText));
      } catch (error) {
        onError(error);
      }
    },
    maskAllInputs: options.maskAllInputs !== false,
    maskInputOptions: {password: true},
    ...privacySelectors(options),
    checkoutEveryNms: options.checkoutIntervalMs ?? 5 * 60_000,
    // Start at DOMContentLoaded rather than waiting for every image (`load`).
    recordAfter: 'DOMContentLoaded',
    slimDOMOptions: {script: true, comment: true, headFavicon: true, headWhitespace: true, headMetaSocial: true, headMetaRobots: true, headMetaHttpEquiv: true, headMetaVerification: true, headMetaAuthorship: true},
    // Every input event is kept (masked): 'last' would listen to change only and
    // lose what was typed right before the tab closed.
    sampling: {mousemove: 50, scroll: 150},
    errorHandler: onError,
  });
  if (!stop) {
    onSnapshotNode(null);
    return null;
  }
  return {
    stop() {
      finishSlices();
      stop();
      onSnapshotNode(null);
    },
    takeFullSnapshot: () => record.takeFullSnapshot(true),
    nodeId(node) {
      const id = node ? record.mirror.getId(node) : -1;
      return id > 0 ? id : null;
    },
  };
}
