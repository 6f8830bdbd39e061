// A worker thread of createPageWriter.ts: writes page files with the
// synchronous calls, one after another, off the event loop (a temporary
// name renamed into place: a page file is whole or absent).
import {renameSync, rmSync, writeFileSync} from 'node:fs';
import {threadId, type MessagePort} from 'node:worker_threads';

export interface WriteJob {
  id: number;
  path: string;
  bytes: Uint8Array;
}

export type WriteAnswer = {id: number; ok: true} | {id: number; ok: false; code?: string; message: string};

let counter = 0;

export function servePageWrites(port: MessagePort): void {
  port.on('message', ({id, path, bytes}: WriteJob) => {
    const tmp = `${path}.${process.pid}.w${threadId}.${++counter}.tmp`;
    let answer: WriteAnswer;
    try {
      writeFileSync(tmp, bytes, {flag: 'wx'});
      renameSync(tmp, path);
      answer = {id, ok: true};
    } catch (error) {
      try {
        rmSync(tmp, {force: true});
      } catch {
        // Nothing more to do: start-up removes temporary files after a crash.
      }
      answer = {id, ok: false, code: (error as NodeJS.ErrnoException).code, message: (error as Error).message};
    }
    port.postMessage(answer);
  });
}
