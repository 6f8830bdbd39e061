// node dist/collector.js --port N --data DIR [--host H] [--project KEY[=ORIGIN,ORIGIN...]]...
//   [--token-ttl SECONDS] [--inactivity-timeout SECONDS] [--read-secret S] [--no-fsync]
import {dirname, join, resolve} from 'node:path';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {startCollector} from './server';
import {loadSecret} from './secrets';
import {isLoopback} from './context';

const USAGE = `usage: node dist/collector.js [--port N] [--data DIR] [--host H] [--project KEY[=ORIGIN,...]]...
       [--token-ttl SECONDS] [--inactivity-timeout SECONDS] [--read-secret S] [--no-fsync]
environment: TRACKER_SECRET (token signing), TRACKER_READ_SECRET (read API)`;

interface Cli {
  port: number;
  host: string;
  dataDir: string;
  projects: Map<string, string[] | null>;
  tokenTtlMs?: number;
  inactivityTimeoutMs?: number;
  readSecret?: string;
  sync: boolean;
}

function fail(message: string): never {
  console.error(`collector: ${message}\n${USAGE}`);
  process.exit(2);
}

function seconds(flag: string, value: string | undefined): number {
  const number = Number(value);
  if (!value || !Number.isFinite(number) || number <= 0) fail(`${flag} takes a number of seconds`);
  return number * 1000;
}

export function parseCli(argv: string[]): Cli {
  const cli: Cli = {port: 8787, host: '127.0.0.1', dataDir: '.data', projects: new Map(), sync: true};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const take = () => {
      if (value === undefined) fail(`${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '--port': {
        const port = Number(take());
        if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port takes 0..65535');
        cli.port = port;
        break;
      }
      case '--host':
        cli.host = take();
        break;
      case '--data':
        cli.dataDir = take();
        break;
      case '--project': {
        const [key, origins] = take().split('=');
        if (!key) fail('--project takes KEY or KEY=ORIGIN,ORIGIN');
        const list = origins ? origins.split(',').map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean) : null;
        for (const origin of list ?? []) {
          if (!/^https?:\/\/[^/]+$/.test(origin)) fail(`--project ${key}: ${origin} is not an origin like https://shop.example.com`);
        }
        cli.projects.set(key, list);
        break;
      }
      case '--token-ttl':
        cli.tokenTtlMs = seconds(flag, take());
        break;
      case '--inactivity-timeout':
        cli.inactivityTimeoutMs = seconds(flag, take());
        break;
      case '--read-secret':
        cli.readSecret = take();
        break;
      case '--no-fsync':
        cli.sync = false;
        break;
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        fail(`unknown argument ${flag}`);
    }
  }
  return cli;
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  const dataDir = resolve(cli.dataDir);
  const signing = loadSecret(dataDir, 'secret', process.env.TRACKER_SECRET);
  const read = cli.readSecret
    ? loadSecret(dataDir, 'read-secret', cli.readSecret, 'flag')
    : loadSecret(dataDir, 'read-secret', process.env.TRACKER_READ_SECRET);
  const projects = cli.projects.size ? cli.projects : new Map([['demo', null]]);
  const here = dirname(fileURLToPath(import.meta.url));
  const viewerDir = join(here, 'viewer');
  const collector = await startCollector({
    port: cli.port,
    host: cli.host,
    dataDir,
    projects,
    signingSecret: signing.value,
    readSecret: read.value,
    tokenTtlMs: cli.tokenTtlMs,
    inactivityTimeoutMs: cli.inactivityTimeoutMs,
    viewerDir: existsSync(viewerDir) ? viewerDir : null,
    sync: cli.sync,
  });
  console.log(`listening on ${collector.url}`);
  if (!cli.projects.size) console.log('no --project given: accepting project key "demo" from any origin');
  for (const [key, origins] of projects) console.log(`project "${key}": ${origins ? origins.join(', ') : 'any origin'}`);
  console.log(`data in ${dataDir}; token signing secret from ${signing.source === 'environment' ? 'TRACKER_SECRET' : signing.path}`);
  if (isLoopback(cli.host)) {
    console.log('read API and viewer: open (listening on loopback only)');
  } else {
    const where = read.source === 'flag' ? '--read-secret' : read.source === 'environment' ? 'TRACKER_READ_SECRET' : read.path;
    console.log(`read API and viewer: need the read secret (from ${where}); open ${collector.url}/?key=<secret>`);
  }
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    collector.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error) => {
  console.error(`collector: ${error?.message ?? error}`);
  process.exit(1);
});
