// Runs the collector as a child process, the way users run it (and the way
// e2e/helpers/collector.ts does): `node dist/collector.js --port 0 --data DIR`,
// waiting for its `listening on http://HOST:PORT` line. BENCH_COLLECTOR points
// at another build of the collector to compare; BENCH_COLLECTOR_NODE_ARGS
// passes flags to its node (e.g. "--cpu-prof --cpu-prof-dir=bench/tmp/prof").
import {spawn} from 'node:child_process';
import {mkdirSync, readFileSync} from 'node:fs';

export const COLLECTOR_SCRIPT = process.env.BENCH_COLLECTOR || 'dist/collector.js';
const NODE_ARGS = (process.env.BENCH_COLLECTOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

// CPU seconds the process has used (user + system), from /proc; null elsewhere than Linux.
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The admin key of the bench's collectors: `ADMIN_HEADERS` carry it to the read side. */
export const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
export const ADMIN_HEADERS = {Authorization: `Bearer ${ADMIN_KEY}`};

export async function startCollector({dataDir, args = [], env = process.env}) {
  mkdirSync(dataDir, {recursive: true});
  const child = spawn(process.execPath, [...NODE_ARGS, COLLECTOR_SCRIPT, '--port', '0', '--data', dataDir, ...args], {
    env: {...env, TRACKER_ADMIN_KEY: ADMIN_KEY},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the collector did not start within 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the collector exited with ${code}:\n${output}`));
    });
  });
  // Past startup, keep draining its output so a chatty collector never blocks on a full pipe.
  child.stdout.on('data', () => {});

  async function api(path) {
    const response = await fetch(`${url}${path}`, {headers: ADMIN_HEADERS});
    if (!response.ok) throw new Error(`collector ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  return {
    url,
    pid: child.pid,
    cpuSeconds: () => cpuSeconds(child.pid),
    output: () => output,
    sessions: async (query = '') => (await api(`/api/sessions${query}`)).sessions,
    session: (sessionID) => api(`/api/sessions/${encodeURIComponent(sessionID)}/events`),
    /** SIGTERM, and how long the collector took to exit (its last checkpoint included), in ms. */
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(0);
      const started = performance.now();
      return new Promise((resolve) => {
        child.once('exit', () => resolve(performance.now() - started));
        child.kill('SIGTERM');
        // After a load test the last checkpoint syncs hundreds of MB: give it time.
        setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
      });
    },
    /** A counter's value summed over its labels, from /metrics. */
    async metric(name) {
      const text = await (await fetch(`${url}/metrics`, {headers: ADMIN_HEADERS})).text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      return sum;
    },
  };
}
