// Runs dist/collector.js as a child process, the way users run it.
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {BrowserContext} from '@playwright/test';

export interface StoredPage {
  pageID: number;
  url: string;
  startedAt: number;
  eventCount: number;
  events?: Array<{type: number; data: any; timestamp: number}>;
}

export interface StoredSession {
  sessionID: string;
  projectKey: string;
  userID: string | null;
  userUUID: string;
  metadata: Record<string, string>;
  startedAt: number;
  vitals?: Record<string, {value: number; rating: string}>;
  pages: StoredPage[];
}

export interface CollectorOptions {
  dataDir?: string;
  port?: number;
  host?: string;
  args?: string[];
  env?: Record<string, string>;
}

export interface RunningCollector {
  url: string;
  port: number;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
  sessions(): Promise<StoredSession[]>;
  session(sessionID: string): Promise<StoredSession>;
}

/** The admin key the tests' collectors run with: `adminHeaders` carry it. */
export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';
export const adminHeaders = {Authorization: `Bearer ${ADMIN_KEY}`};

export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tracker-e2e-'));
  const args = ['dist/collector.js', '--port', String(options.port ?? 0), '--data', dataDir, ...(options.args ?? [])];
  if (options.host) args.push('--host', options.host);
  const child: ChildProcess = spawn(process.execPath, args, {
    env: {...process.env, TRACKER_ADMIN_KEY: ADMIN_KEY, ...options.env},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start:\n${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`collector exited with ${code}:\n${output}`)));
  });
  const port = Number(new URL(url).port);
  const api = async (path: string) => {
    const response = await fetch(`${url}${path}`, {headers: adminHeaders});
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    url,
    port,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
    async sessions() {
      return (await api('/api/sessions')).sessions;
    },
    async session(sessionID: string) {
      return api(`/api/sessions/${sessionID}/events`);
    },
  };
}

/** Logs a browser context in to a collector's viewer with the admin key: its pages then open the viewer as a logged-in user would. */
export async function loginViewer(context: BrowserContext, collectorUrl: string): Promise<void> {
  const response = await context.request.post(`${collectorUrl}/api/login`, {data: {key: ADMIN_KEY}});
  if (!response.ok()) throw new Error(`POST /api/login answered ${response.status()}: ${await response.text()}`);
}

/** A one-time login link to the viewer, for a browser driven without Playwright (e2e/engines/). */
export async function loginLink(collectorUrl: string): Promise<string> {
  const response = await fetch(`${collectorUrl}/api/login-links`, {method: 'POST', headers: adminHeaders});
  if (!response.ok) throw new Error(`POST /api/login-links answered ${response.status}: ${await response.text()}`);
  return (await response.json()).url;
}

export function removeDir(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}
