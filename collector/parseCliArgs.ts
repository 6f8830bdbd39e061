// The command line of `node dist/collector.js`. Refusals are sentences that
// say what to type instead.
import {parseArgs} from 'node:util';
import {parseProject} from './projects';
import {parseStorageArgs} from './storage/parseStorageArgs';
import type {Project} from './types';

export const USAGE = `usage: node dist/collector.js --port N --data DIR [--host H]
         [--project KEY[=ORIGIN,ORIGIN...]]... [--token-ttl SECONDS]
         [--inactivity-timeout SECONDS] [--read-secret S]
         [--database postgres://... --blobs s3://BUCKET/PREFIX [--s3-endpoint URL]] [--retention-days N]
  --port N                      0 picks a free port (default 8787)
  --data DIR                    where sessions are kept (default ./.data)
  --host H                      default 127.0.0.1; any other host needs the read secret to read sessions
  --project KEY[=ORIGINS]       a project key, and the origins allowed to send to it (none: any origin);
                                repeatable; without any, the key "demo" is accepted from any origin
  --token-ttl SECONDS           how long a session token is valid (default 86400)
  --inactivity-timeout SECONDS  a session idle for longer is not resumed (default 1800)
  --read-secret S               the read API's secret (or TRACKER_READ_SECRET; default: generated
                                once into DIR/read-secret)
  --database URL                PostgreSQL for the session index (with --blobs; see "Storage and scale" in the README)
  --blobs s3://BUCKET/PREFIX    an S3-compatible object store for the events (with --database)
  --s3-endpoint URL             the object store's address when it is not AWS (MinIO, R2...; or AWS_ENDPOINT_URL_S3)
  --retention-days N            remove sessions inactive for more than N days (default: keep them)
environment: TRACKER_SECRET signs session tokens (default: generated once into DIR/secret);
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
        database: {type: 'string'},
        blobs: {type: 'string'},
        's3-endpoint': {type: 'string'},
        'retention-days': {type: 'string'},
        help: {type: 'boolean'},
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
    ...parseStorageArgs(values),
  };
  if (values.port !== undefined) {
    args.port = Number(values.port);
    if (!/^\d+$/.test(values.port) || args.port > 65535) throw new Error(`--port ${values.port}: give a port from 0 to 65535 (0 picks a free one)`);
  }
  if (values['token-ttl'] !== undefined) args.tokenTtlSeconds = seconds('--token-ttl', values['token-ttl']);
  if (values['inactivity-timeout'] !== undefined) args.inactivityTimeoutSeconds = seconds('--inactivity-timeout', values['inactivity-timeout']);
  if (args.readSecret === '') throw new Error('--read-secret is empty: give a secret, or leave the flag out to have one generated');
  const keys = args.projects.map((project) => project.key);
  const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
  if (repeated) throw new Error(`--project ${repeated} is given twice: list all its origins in one flag, separated by commas`);
  return args;
}

function seconds(flag: string, value: string): number {
  const number = Number(value);
  if (!value || !Number.isFinite(number) || number <= 0) throw new Error(`${flag} ${value}: give a number of seconds greater than 0`);
  return number;
}
