// Makes durable, at once, everything written under a directory since the last
// time: Linux's syncfs(2) through `sync -f DIR` (coreutils, BusyBox), one
// call however many files were written. Node has no binding for syncfs, so a
// small shell started once runs `sync -f` whenever asked (syncHelper below).
// Where `sync -f` does not work (macOS, Windows), the files and directories
// the caller names are fsynced one by one.
import {spawn, type ChildProcessByStdio} from 'node:child_process';
import {open} from 'node:fs/promises';
import type {Readable, Writable} from 'node:stream';
import {syncDirectory} from './syncDirectory';
import {countSync} from './syncCounts';

export interface FileSystemSync {
  /** 'syncfs' needs no list of paths; 'each' fsyncs what `sync` is given. */
  mode: 'syncfs' | 'each';
  sync(files: Iterable<string>, directories: Iterable<string>): Promise<void>;
  /** Stops what the syncs need (the helper shell). */
  close(): void;
}

const EACH_CONCURRENCY = 8;
const SYNC_TIMEOUT_MS = 60_000;

// Forking the collector for each `sync -f` blocked its event loop 6-12 ms
// (copying the page tables of a process of a few hundred MB, measured with
// 340 MB), every acknowledgement waiting meanwhile. A shell of a few hundred
// KB, started once, forks for it instead: a line in asks for one syncfs, a
// line out answers it, in order. Started again after it dies.
const HELPER_SCRIPT = 'while read -r _; do if out=$(sync -f "$1" 2>&1); then echo ok; else echo "failed: $out" | tr "\\n" " "; echo; fi; done';

interface Asked {
  resolve(): void;
  reject(error: Error): void;
}

function syncHelper(dir: string) {
  let child: ChildProcessByStdio<Writable, Readable, null> | null = null;
  let asked: Asked[] = [];
  let timer: NodeJS.Timeout | null = null;

  const failAll = (error: Error) => {
    const waiting = asked;
    asked = [];
    for (const one of waiting) one.reject(error);
  };

  // While a sync is asked for, the shell and its answer keep the process
  // running; idle, neither does.
  const holdProcess = (hold: boolean) => {
    if (!child) return;
    const pipe = child.stdout as Readable & {ref?(): void; unref?(): void};
    if (hold) {
      child.ref();
      pipe.ref?.();
    } else {
      child.unref();
      pipe.unref?.();
    }
  };

  const armTimer = () => {
    holdProcess(asked.length > 0);
    if (timer) clearTimeout(timer);
    timer = asked.length ? setTimeout(() => stop(new Error(`sync -f ${dir} did not finish within ${SYNC_TIMEOUT_MS / 1000} s`)), SYNC_TIMEOUT_MS) : null;
    timer?.unref();
  };

  function stop(error: Error): void {
    child?.kill('SIGKILL');
    child = null;
    failAll(Object.assign(error, {code: 'EIO'}));
    armTimer();
  }

  function start(): ChildProcessByStdio<Writable, Readable, null> {
    const started = spawn('sh', ['-c', HELPER_SCRIPT, 'sh', dir], {stdio: ['pipe', 'pipe', 'ignore']});
    let buffered = '';
    started.stdout.setEncoding('utf8');
    started.stdout.on('data', (chunk: string) => {
      // A shell given up on (timed out) answers nobody any more.
      if (child !== started) return;
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        const one = asked.shift();
        if (line === 'ok') one?.resolve();
        else one?.reject(Object.assign(new Error(`sync -f ${dir} ${line || 'failed'}`), {code: 'EIO'}));
      }
      armTimer();
    });
    started.stdin.on('error', () => {}); // 'exit' follows
    started.on('error', (error) => child === started && stop(new Error(`sync -f ${dir}: ${error.message}`)));
    started.on('exit', () => child === started && stop(new Error(`sync -f ${dir}: the helper shell stopped`)));
    (started.stdin as Writable & {unref?(): void}).unref?.();
    return started;
  }

  return {
    sync(): Promise<void> {
      child ??= start();
      const running = child;
      return new Promise<void>((resolve, reject) => {
        asked.push({resolve, reject});
        armTimer();
        running.stdin.write('sync\n');
      });
    },
    close(): void {
      const closing = child;
      child = null;
      closing?.stdin.end();
      closing?.unref();
      failAll(new Error('the file system sync is closed'));
      armTimer();
    },
  };
}

export async function openFileSystemSync(dir: string): Promise<FileSystemSync> {
  const helper = syncHelper(dir);
  const works = await helper.sync().then(
    () => true,
    () => false,
  );
  if (works) {
    return {
      mode: 'syncfs',
      async sync() {
        await helper.sync();
        countSync('filesystem');
      },
      close: () => helper.close(),
    };
  }
  helper.close();
  return {
    mode: 'each',
    async sync(files, directories) {
      const queue = [...files];
      const worker = async () => {
        for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
          const handle = await open(file, 'r').catch((error) => {
            // Removed meanwhile (erasure, retention): nothing to keep.
            if (error.code === 'ENOENT') return null;
            throw error;
          });
          if (!handle) continue;
          try {
            await handle.sync();
            countSync('file');
          } finally {
            await handle.close();
          }
        }
      };
      await Promise.all(Array.from({length: EACH_CONCURRENCY}, worker));
      for (const directory of directories) {
        await syncDirectory(directory).catch((error) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
    },
    close() {},
  };
}
