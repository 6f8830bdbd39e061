// Shared by the collector's tests: a collector in this process on 127.0.0.1,
// port 0, in a temporary data directory that is removed afterwards.
import {after} from 'node:test';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {startCollector} from '../server';
import type {CollectorOptions, RunningCollector} from '../types';
import type {RecordedEvent} from '../storage/types';
import type {SessionGrant as Grant} from '../../bundle/types';

// Undone last-in first-out once the file's tests are done: collectors close
// before their data directories are removed.
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'collector-test-'));
  cleanups.push(() => rm(dir, {recursive: true, force: true}));
  return dir;
}

/** The admin key of the tests' collectors: `getJson` sends it unless told otherwise. */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const ADMIN = {Authorization: `Bearer ${ADMIN_KEY}`};

/** A collector for the test file, closed when its tests are done (closing it twice is harmless). */
export async function collectorFor(options: Partial<CollectorOptions> = {}): Promise<RunningCollector & {dataDir: string}> {
  const dataDir = options.dataDir ?? (await tempDir());
  const collector = await startCollector({host: '127.0.0.1', port: 0, adminKey: ADMIN_KEY, ...options, dataDir});
  cleanups.push(() => collector.close());
  return {...collector, dataDir};
}

// The handshake's answer: one type for both sides of the wire.
export type {Grant};

export async function handshake(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/web/start`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', ...headers},
    body: JSON.stringify({projectKey: 'demo', url: 'http://shop.test/', ...body}),
  });
  return {status: response.status, headers: response.headers, json: (await response.json()) as any};
}

/** A handshake that must succeed. */
export async function startSession(url: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Grant> {
  const {status, json} = await handshake(url, body, headers);
  if (status !== 200) throw new Error(`handshake answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

export interface BatchOptions {
  gzip?: boolean;
  headers?: Record<string, string>;
  /** Sent as is instead of the events' JSON. */
  body?: string | Buffer;
}

export async function sendBatch(url: string, token: string | null, page: number | string, seq: number | string, events: unknown[], options: BatchOptions = {}) {
  const json = JSON.stringify(events);
  const headers: Record<string, string> = {'Content-Type': 'application/json', ...options.headers};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.gzip) headers['Content-Encoding'] = 'gzip';
  const raw = options.body ?? (options.gzip ? gzipSync(json) : json);
  const body = typeof raw === 'string' ? raw : new Uint8Array(raw);
  const response = await fetch(`${url}/v1/web/i?page=${page}&seq=${seq}`, {method: 'POST', headers, body});
  return {status: response.status, headers: response.headers, json: (await response.json()) as any};
}

/** A read with the admin key, unless `headers` say otherwise (`{}` sends no credential). */
export async function getJson(url: string, path: string, headers: Record<string, string> = ADMIN) {
  const response = await fetch(`${url}${path}`, {headers});
  return {status: response.status, headers: response.headers, json: (await response.json()) as any};
}

/** rrweb-like events: a Meta event, then incremental ones numbered from `from`. */
export function events(count: number, from = 0): RecordedEvent[] {
  return Array.from({length: count}, (_, i) => ({type: i === 0 && from === 0 ? 4 : 3, timestamp: 1_000_000 + from + i, data: {n: from + i}}));
}

export function custom(tag: string, payload: unknown, timestamp = 2_000_000): RecordedEvent {
  return {type: 5, timestamp, data: {tag, payload}};
}
