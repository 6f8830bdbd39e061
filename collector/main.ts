// `node dist/collector.js`: starts the collector from the command line and
// stops it cleanly on SIGTERM/SIGINT (ops/stopOnSignals.ts). After the
// start-up lines, what happens is logged as JSON lines (ops/createLogger.ts).
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createLogger} from './ops/createLogger';
import {stopOnSignals} from './ops/stopOnSignals';
import {parseKeyLines} from './access/accessKeys';
import {runKeysCommand} from './access/accessKeysCommand';
import {createPostgresLiveBus} from './live/createPostgresLiveBus';
import {parseCliArgs, USAGE, type CliArgs} from './cli/parseCliArgs';
import {startCollector} from './server';
import {openStorage} from './storage/openStorage';
import type {RunningCollector} from './types';

async function main(): Promise<void> {
  if (process.argv[2] === 'keys') {
    try {
      console.log(await runKeysCommand(process.argv.slice(3)));
    } catch (error) {
      console.error(`collector keys: ${(error as Error).message}`);
      process.exit(2);
    }
    return;
  }
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`collector: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = resolve(args.dataDir);
  const readSecret = args.readSecret ?? (process.env.TRACKER_READ_SECRET || undefined);
  const adminKey = process.env.TRACKER_ADMIN_KEY || undefined;
  if (adminKey && adminKey.length < 16) {
    console.error('collector: TRACKER_ADMIN_KEY is shorter than 16 characters: give a long random key (node dist/collector.js keys add makes one)');
    process.exit(2);
  }
  let envKeys;
  try {
    envKeys = parseKeyLines(process.env.TRACKER_KEYS ?? '', 'TRACKER_KEYS');
  } catch (error) {
    console.error(`collector: ${(error as Error).message}`);
    process.exit(2);
  }
  // The build puts the viewer next to this file: dist/collector.js, dist/viewer/.
  const viewerDir = fileURLToPath(new URL('./viewer/', import.meta.url));
  // Notes from the start-up come after the "listening on" line.
  let notes: string[] | null = [];
  const logger = createLogger({level: args.logLevel});
  // Logs go to stdout and stderr. When their reader goes away (the pipe of
  // the process that started us closes), the lines are lost and the
  // collector serves on: Node reports the failed write as an 'error' event
  // (EPIPE), which unhandled would end the process, with batches in flight.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // Collectors that share a database must share the signing secret: a token signed by one is checked by another.
  if (args.database && !process.env.TRACKER_SECRET) {
    console.error('collector: --database needs TRACKER_SECRET in the environment, the same for every collector sharing the database');
    process.exit(2);
  }
  // Built beside this file (build.mjs); without it, everything runs on the main thread.
  const workerScript = new URL('./collector-worker.js', import.meta.url);
  const workerUrl = existsSync(fileURLToPath(workerScript)) ? workerScript : undefined;
  // Collectors sharing a database relay Assist's live sessions through it too.
  const liveBus = args.database ? await createPostgresLiveBus({connectionString: args.database, log: (line) => logger.warn('live_bus', {message: line})}) : undefined;
  const collector = await startCollector({
    liveBus,
    workerUrl,
    dataDir,
    storage: await openStorage({
      dataDir,
      workerUrl,
      // For crash tests only: acknowledged batches stay in the journal alone for this long.
      pageWriteDelayMs: Number(process.env.TRACKER_TEST_PAGE_WRITE_DELAY_MS) || undefined,
      database: args.database,
      blobs: args.blobs,
      s3Endpoint: args.s3Endpoint,
      log: (line) => (notes ? notes.push(line) : console.log(line)),
    }),
    retentionDays: args.retentionDays,
    host: args.host,
    port: args.port,
    projects: args.projects,
    secret: process.env.TRACKER_SECRET || undefined,
    readSecret,
    adminKey,
    keys: [...args.keys, ...envKeys],
    keysFile: resolve(args.keysFile ?? join(dataDir, 'keys')),
    insecureNoAuth: args.insecureNoAuth,
    loginTtlSeconds: args.loginTtlSeconds,
    loginLinkTtlSeconds: args.loginLinkTtlSeconds,
    tokenTtlSeconds: args.tokenTtlSeconds,
    inactivityTimeoutSeconds: args.inactivityTimeoutSeconds,
    viewerDir: existsSync(join(viewerDir, 'index.html')) ? viewerDir : undefined,
    log: (line) => (notes ? notes.push(line) : logger.warn('storage_note', {message: line})),
    logger,
    rateLimits: args.rateLimits,
    connectionLimits: args.connectionLimits,
    trustedProxies: args.trustedProxies,
    live: args.maxLiveChannels === undefined ? undefined : {maxChannels: args.maxLiveChannels},
  });

  // One write, so that whoever waits for the "listening on" line has the notes too.
  const lines = [`listening on ${collector.url}`, ...notes];
  notes = null;
  if (!args.projects.length) lines.push('no --project given: accepting the project key "demo" from any origin');
  for (const project of args.projects) {
    lines.push(`project "${project.key}": ${project.origins ? `from ${[...project.origins].join(', ')}` : 'from any origin'}`);
  }
  lines.push(`session tokens signed with ${collector.secretFile ? `the secret kept in ${collector.secretFile}` : 'TRACKER_SECRET'}`);
  lines.push(...(await accessLines(collector, args, {adminKey: !!adminKey, readSecret: !!readSecret})));
  if (args.trustedProxies) lines.push(`client addresses from X-Forwarded-For, behind ${args.trustedProxies} trusted prox${args.trustedProxies > 1 ? 'ies' : 'y'}`);
  lines.push(`metrics: ${collector.url}/metrics (Prometheus text format; needs a key of any role as bearer token)`);
  console.log(lines.join('\n'));

  stopOnSignals(async () => {
    await collector.close();
    await liveBus?.close();
  }, logger);
}

/** What the start-up says about access: who may read, and how to log in. */
async function accessLines(collector: RunningCollector, args: CliArgs, given: {adminKey: boolean; readSecret: boolean}): Promise<string[]> {
  const {access} = collector;
  if (access.open) {
    return [
      'WARNING: --insecure-no-auth: the viewer, the read API, /metrics and erasure are open to anyone who reaches this collector,',
      'WARNING: with no login and nobody named in the audit log. For development on this machine only; never behind a proxy.',
    ];
  }
  const lines = [`read side, viewer and metrics: need an access key (${access.keyCount} now; docs/security.md)`];
  if (access.createdAdminKey) {
    lines.push(`admin key, shown this once (kept in ${access.adminKeyFile}, readable by its owner only): ${access.createdAdminKey}`);
  } else if (access.adminKeyFile) {
    lines.push(`admin key: in ${access.adminKeyFile}`);
  } else if (given.adminKey) {
    lines.push('admin key: from TRACKER_ADMIN_KEY');
  }
  if (given.readSecret) {
    lines.push('the read secret (--read-secret or TRACKER_READ_SECRET) is now an admin access key named "read-secret": access keys with roles replace it (docs/security.md)');
  }
  if (args.printLoginLink) lines.push(`login link (opens the viewer; one use, within ${Math.round((args.loginLinkTtlSeconds ?? 3600) / 60)} minutes): ${await access.loginLink()}`);
  return lines;
}

main().catch((error) => {
  console.error(`collector: ${error?.message ?? error}`);
  process.exit(1);
});
