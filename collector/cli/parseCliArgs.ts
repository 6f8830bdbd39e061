// The command line of `node dist/collector.js`. Refusals are sentences that
// say what to type instead.
import {parseArgs} from 'node:util';
import {parseKeyLine, type AccessKey} from '../access/accessKeys';
import {isLoopbackHost} from '../lib/isLoopbackHost';
import {LOG_LEVELS, type LogLevel} from '../ops/createLogger';
import {BURST_SECONDS, type ConnectionLimits, type RateLimits} from '../ops/defaultLimits';
import {parseProject, type Project} from '../sessions/projects';
import {parseStorageArgs} from '../storage/parseStorageArgs';

export const USAGE = `usage: node dist/collector.js --port N --data DIR [--host H]
         [--project KEY[=ORIGIN,ORIGIN...]]... [--token-ttl SECONDS]
         [--inactivity-timeout SECONDS] [--keys FILE] [--key LINE]... [--print-login-link]
         [--database postgres://... --blobs s3://BUCKET/PREFIX [--s3-endpoint URL]] [--retention-days N]
  --port N                      0 picks a free port (default 8787)
  --data DIR                    where sessions are kept (default ./.data)
  --host H                      default 127.0.0.1 (the read side needs an access key on any host)
  --project KEY[=ORIGINS]       a project key, and the origins allowed to send to it (none: any origin);
                                repeatable; without any, the key "demo" is accepted from any origin
  --token-ttl SECONDS           how long a session token is valid (default 86400)
  --inactivity-timeout SECONDS  a session idle for longer is not resumed (default 1800)
  --keys FILE                   access keys, one "NAME ROLE PROJECTS sha256:HEX" a line (default DIR/keys;
                                read again when it changes; "keys add" writes it, see below)
  --key LINE                    one access key in the same form (repeatable; TRACKER_KEYS takes lines too)
  --print-login-link            print a one-time login link to the viewer (valid for --login-link-ttl)
  --login-ttl SECONDS           how long a viewer's login lasts (default 43200)
  --login-link-ttl SECONDS      how long a login link may be used, once (default 3600)
  --insecure-no-auth            DEVELOPMENT ONLY: the read side, the viewer and erasure need no credential
                                (refused unless --host is loopback)
  --read-secret S               older versions' read secret (or TRACKER_READ_SECRET): now an admin key
  --database URL                PostgreSQL for the session index (with --blobs; see docs/scaling.md)
  --blobs s3://BUCKET/PREFIX    an S3-compatible object store for the events (with --database)
  --s3-endpoint URL             the object store's address when it is not AWS (MinIO, R2...; or AWS_ENDPOINT_URL_S3)
  --retention-days N            remove sessions inactive for more than N days (default: keep them)
abuse limits, per collector process (docs/self-hosting.md):
  --handshakes-per-address RATE   handshakes a second from one address (default 5; bursts of ${BURST_SECONDS}x; 0: no limit)
  --handshakes-per-project RATE   handshakes a second for one project (default 200)
  --batches-per-address RATE      batches a second from one address (default 50)
  --batches-per-project RATE      batches a second for one project (default 5000)
  --new-sessions-per-minute N     new sessions a minute for one project (default 3000)
  --trust-proxy                   one reverse proxy in front: the client's address is the last X-Forwarded-For entry
  --trusted-proxies N             N proxies in front, each appending to X-Forwarded-For
  --max-connections N             connections open at once for requests (default 1000; 0: no cap)
  --max-live-channels N           Assist's live channels open at once (default 20000)
  --max-connections-per-address N connections open at once from one address (default 100; 0: no cap)
  --headers-timeout SECONDS       a request must send its headers within this (default 10)
  --request-timeout SECONDS       a request must be received whole within this (default 30)
  --shutdown-grace SECONDS        on SIGTERM, how long requests in progress may finish (default 10)
  --log-level LEVEL               debug, info, warn, error or silent (default info); logs are JSON lines on stdout
access keys (docs/security.md): roles viewer, agent, admin; PROJECTS * or a comma list
  node dist/collector.js keys add NAME ROLE [--project P]... [--data DIR | --keys FILE]
                                makes a key, prints it once and writes its line to the keys file
  node dist/collector.js keys list|remove NAME [--data DIR | --keys FILE]
environment: TRACKER_ADMIN_KEY an admin key (default: generated once into DIR/admin-key, printed once);
             TRACKER_SECRET signs session tokens (default: generated once into DIR/secret);
             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION for the object store`;

export interface CliArgs {
  help: boolean;
  port: number;
  host: string;
  dataDir: string;
  projects: Project[];
  tokenTtlSeconds?: number;
  inactivityTimeoutSeconds?: number;
  readSecret?: string;
  keysFile?: string;
  keys: AccessKey[];
  printLoginLink: boolean;
  loginTtlSeconds?: number;
  loginLinkTtlSeconds?: number;
  insecureNoAuth: boolean;
  rateLimits: Partial<RateLimits>;
  connectionLimits: Partial<ConnectionLimits>;
  trustedProxies: number;
  maxLiveChannels?: number;
  logLevel: LogLevel;
  database?: string;
  blobs?: string;
  s3Endpoint?: string;
  retentionDays?: number;
}

export function parseCliArgs(argv: string[]): CliArgs {
  let values;
  try {
    ({values} = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: {type: 'string'},
        data: {type: 'string'},
        host: {type: 'string'},
        project: {type: 'string', multiple: true},
        'token-ttl': {type: 'string'},
        'inactivity-timeout': {type: 'string'},
        'read-secret': {type: 'string'},
        keys: {type: 'string'},
        key: {type: 'string', multiple: true},
        'print-login-link': {type: 'boolean'},
        'login-ttl': {type: 'string'},
        'login-link-ttl': {type: 'string'},
        'insecure-no-auth': {type: 'boolean'},
        database: {type: 'string'},
        blobs: {type: 'string'},
        's3-endpoint': {type: 'string'},
        'retention-days': {type: 'string'},
        help: {type: 'boolean'},
        'handshakes-per-address': {type: 'string'},
        'handshakes-per-project': {type: 'string'},
        'batches-per-address': {type: 'string'},
        'batches-per-project': {type: 'string'},
        'new-sessions-per-minute': {type: 'string'},
        'trust-proxy': {type: 'boolean'},
        'trusted-proxies': {type: 'string'},
        'max-connections': {type: 'string'},
        'max-live-channels': {type: 'string'},
        'max-connections-per-address': {type: 'string'},
        'headers-timeout': {type: 'string'},
        'request-timeout': {type: 'string'},
        'shutdown-grace': {type: 'string'},
        'log-level': {type: 'string'},
      },
    }));
  } catch (error) {
    throw new Error((error as Error).message);
  }
  const args: CliArgs = {
    help: values.help ?? false,
    port: 8787,
    host: values.host ?? '127.0.0.1',
    dataDir: values.data ?? '.data',
    projects: (values.project ?? []).map(parseProject),
    readSecret: values['read-secret'],
    keysFile: values.keys,
    keys: (values.key ?? []).map((line) => parseKeyLine(line, '--key')),
    printLoginLink: values['print-login-link'] ?? false,
    insecureNoAuth: values['insecure-no-auth'] ?? false,
    rateLimits: {},
    connectionLimits: {},
    trustedProxies: values['trust-proxy'] ? 1 : 0,
    logLevel: 'info',
    ...parseStorageArgs(values),
  };
  if (values.port !== undefined) {
    args.port = Number(values.port);
    if (!/^\d+$/.test(values.port) || args.port > 65535) throw new Error(`--port ${values.port}: give a port from 0 to 65535 (0 picks a free one)`);
  }
  if (values['token-ttl'] !== undefined) args.tokenTtlSeconds = seconds('--token-ttl', values['token-ttl']);
  if (values['login-ttl'] !== undefined) args.loginTtlSeconds = seconds('--login-ttl', values['login-ttl']);
  if (values['login-link-ttl'] !== undefined) args.loginLinkTtlSeconds = seconds('--login-link-ttl', values['login-link-ttl']);
  if (args.insecureNoAuth && !isLoopbackHost(args.host)) {
    throw new Error(`--insecure-no-auth with --host ${args.host}: the development flag is for a collector on this machine alone (--host 127.0.0.1); anywhere else give access keys`);
  }
  if (values['inactivity-timeout'] !== undefined) args.inactivityTimeoutSeconds = seconds('--inactivity-timeout', values['inactivity-timeout']);
  const rates: Array<[string, 'handshakesPerAddress' | 'handshakesPerProject' | 'batchesPerAddress' | 'batchesPerProject']> = [
    ['handshakes-per-address', 'handshakesPerAddress'],
    ['handshakes-per-project', 'handshakesPerProject'],
    ['batches-per-address', 'batchesPerAddress'],
    ['batches-per-project', 'batchesPerProject'],
  ];
  for (const [flag, limit] of rates) {
    const value = values[flag as keyof typeof values] as string | undefined;
    if (value === undefined) continue;
    const rate = rateOrZero(`--${flag}`, value);
    args.rateLimits[limit] = {perSecond: rate, burst: rate * BURST_SECONDS};
  }
  if (values['new-sessions-per-minute'] !== undefined) {
    const perMinute = rateOrZero('--new-sessions-per-minute', values['new-sessions-per-minute']);
    args.rateLimits.newSessionsPerProject = {perSecond: perMinute / 60, burst: perMinute};
  }
  if (values['trusted-proxies'] !== undefined) {
    args.trustedProxies = Number(values['trusted-proxies']);
    if (!/^\d{1,2}$/.test(values['trusted-proxies'])) throw new Error(`--trusted-proxies ${values['trusted-proxies']}: give how many proxies are in front (1 for one), or leave it out`);
  }
  if (values['max-connections'] !== undefined) args.connectionLimits.maxConnections = count('--max-connections', values['max-connections']);
  if (values['max-live-channels'] !== undefined) args.maxLiveChannels = count('--max-live-channels', values['max-live-channels']);
  if (values['max-connections-per-address'] !== undefined) {
    args.connectionLimits.maxConnectionsPerAddress = count('--max-connections-per-address', values['max-connections-per-address']);
  }
  if (values['headers-timeout'] !== undefined) args.connectionLimits.headersTimeoutSeconds = seconds('--headers-timeout', values['headers-timeout']);
  if (values['request-timeout'] !== undefined) args.connectionLimits.requestTimeoutSeconds = seconds('--request-timeout', values['request-timeout']);
  if (values['shutdown-grace'] !== undefined) args.connectionLimits.shutdownGraceSeconds = seconds('--shutdown-grace', values['shutdown-grace']);
  if (values['log-level'] !== undefined) {
    if (!LOG_LEVELS.includes(values['log-level'] as LogLevel)) throw new Error(`--log-level ${values['log-level']}: give one of ${LOG_LEVELS.join(', ')}`);
    args.logLevel = values['log-level'] as LogLevel;
  }
  if (args.readSecret === '') throw new Error('--read-secret is empty: give a secret, or leave the flag out to have one generated');
  const keys = args.projects.map((project) => project.key);
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated) throw new Error(`--project ${repeated} is given twice: list all its origins in one flag, separated by commas`);
  return args;
}

function rateOrZero(flag: string, value: string): number {
  const number = Number(value);
  if (!value || !Number.isFinite(number) || number < 0) throw new Error(`${flag} ${value}: give a rate from 0 up (0 turns the limit off)`);
  return number;
}

function count(flag: string, value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new Error(`${flag} ${value}: give a whole number from 0 up (0 turns the cap off)`);
  return Number(value);
}

function seconds(flag: string, value: string): number {
  const number = Number(value);
  if (!value || !Number.isFinite(number) || number <= 0) throw new Error(`${flag} ${value}: give a number of seconds greater than 0`);
  return number;
}
