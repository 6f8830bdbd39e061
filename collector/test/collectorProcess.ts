// A collector as its own process (`node SCRIPT ARGS`), for tests that kill
// it: resolves once it prints its `listening on` line.
import {spawn, type ChildProcess} from 'node:child_process';
import {ADMIN_KEY} from './helpers';

export interface CollectorProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process has exited, however. */
  exited: Promise<void>;
}

export async function startCollectorProcess(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CollectorProcess> {
  // With the admin key that the tests' reads (helpers.ts getJson) show.
  const child = spawn(process.execPath, [script, ...args], {env: {...env, TRACKER_ADMIN_KEY: ADMIN_KEY}, stdio: ['ignore', 'pipe', 'pipe']});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)\n/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    void exited.then(() => reject(new Error(`the collector exited before listening:\n${output}`)));
  });
  return {child, url, exited};
}
