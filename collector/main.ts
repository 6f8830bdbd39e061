// `node dist/collector.js`: starts the collector from the command line and
// stops it cleanly on SIGTERM/SIGINT (ops/stopOnSignals.ts). After the
// start-up lines, what happens is logged as JSON lines (ops/createLogger.ts).
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createLogger} from './ops/createLogger';
import {stopOnSignals} from './ops/stopOnSignals';
import {parseCliArgs, USAGE, type CliArgs} from './parseCliArgs';
import {startCollector} from './server';
import {openStorage} from './storage/openStorage';

async function main(): Promise<void> {
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
  // The build puts the viewer next to this file: dist/collector.js, dist/viewer/.
  const viewerDir = fileURLToPath(new URL('./viewer/', import.meta.url));
  // Notes from the start-up come after the "listening on" line.
  let notes: string[] | null = [];
  const logger = createLogger({level: args.logLevel});

  // Collectors that share a database must share the signing secret: a token signed by one is checked by another.
  if (args.database && !process.env.TRACKER_SECRET) {
    console.error('collector: --database needs TRACKER_SECRET in the environment, the same for every collector sharing the database');
    process.exit(2);
  }
  // Built beside this file (build.mjs); without it, everything runs on the main thread.
  const workerScript = new URL('./collector-worker.js', import.meta.url);
  const workerUrl = existsSync(fileURLToPath(workerScript)) ? workerScript : undefined;
  const collector = await startCollector({
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
    tokenTtlSeconds: args.tokenTtlSeconds,
    inactivityTimeoutSeconds: args.inactivityTimeoutSeconds,
    viewerDir: existsSync(join(viewerDir, 'index.html')) ? viewerDir : undefined,
    log: (line) => (notes ? notes.push(line) : logger.warn('storage_note', {message: line})),
    logger,
    rateLimits: args.rateLimits,
    connectionLimits: args.connectionLimits,
    trustedProxies: args.trustedProxies,
  });

  // One write, so that whoever waits for the "listening on" line has the notes too.
  const lines = [`listening on ${collector.url}`, ...notes];
  notes = null;
  if (!args.projects.length) lines.push('no --project given: accepting the project key "demo" from any origin');
  for (const project of args.projects) {
    lines.push(`project "${project.key}": ${project.origins ? `from ${[...project.origins].join(', ')}` : 'from any origin'}`);
  }
  lines.push(`session tokens signed with ${collector.secretFile ? `the secret kept in ${collector.secretFile}` : 'TRACKER_SECRET'}`);
  if (collector.readAccess.open) {
    lines.push('read API and viewer: open to this machine only (bound to loopback)');
  } else {
    const where = collector.readAccess.secretFile ?? (args.readSecret ? '--read-secret' : 'TRACKER_READ_SECRET');
    lines.push(`read API and viewer: need the read secret (from ${where}): open ${collector.url}/?key=<secret>, or send "Authorization: Bearer <secret>"`);
  }
  if (args.trustedProxies) lines.push(`client addresses from X-Forwarded-For, behind ${args.trustedProxies} trusted prox${args.trustedProxies > 1 ? 'ies' : 'y'}`);
  lines.push(`metrics: ${collector.url}/metrics (Prometheus text format; same access as the read API)`);
  console.log(lines.join('\n'));

  stopOnSignals(() => collector.close(), logger);
}

main().catch((error) => {
  console.error(`collector: ${error?.message ?? error}`);
  process.exit(1);
});
