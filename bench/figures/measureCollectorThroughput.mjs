// Figure 7: how many batches a collector stores per second on this machine,
// durable as shipped (its defaults, its data directory on the project's disk),
// and the same on PostgreSQL + S3 (both on this machine too).
// autocannon plays many tabs at once: each request is a ~10 KB gzipped batch
// of rrweb events for one of many pages obtained from POST /v1/web/start, with
// the page's next seq, so no request is a duplicate the collector could
// acknowledge without storing. Afterwards the stored event counts are checked
// against the acknowledged batches.
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {readFileSync} from 'node:fs';
import {cpuSeconds as processCpuSeconds, startCollector} from '../lib/startCollector.mjs';
import {startStorageServices} from '../lib/startStorageServices.mjs';
import {syntheticBatch} from '../lib/syntheticBatch.mjs';

const BATCH_GZIP_BYTES = 10 * 1024;
const PAGES_PER_CONNECTION = 4;

// autocannon is a devDependency; a missing one fails this figure alone.
function loadAutocannon() {
  try {
    return createRequire(import.meta.url)('autocannon');
  } catch {
    throw new Error('autocannon is not installed: npm install --save-dev autocannon');
  }
}

async function openPages(collectorUrl, count) {
  const pages = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${collectorUrl}/v1/web/start`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        projectKey: 'demo',
        url: `http://127.0.0.1/bench/tab-${i}`,
        referrer: '',
        viewport: {width: 1280, height: 720},
        timestamp: Date.now(),
        trackerVersion: 'bench',
      }),
    });
    if (!response.ok) throw new Error(`handshake ${response.status}: ${await response.text()}`);
    const grant = await response.json();
    pages.push({sessionID: grant.sessionID, token: grant.sessionToken, pageID: grant.pageID, nextSeq: 0, acknowledged: 0});
  }
  return pages;
}

function load(autocannon, collectorUrl, pages, batch, connections, seconds) {
  let turn = 0;
  const requestErrors = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: collectorUrl,
        connections,
        duration: seconds,
        method: 'POST',
        headers: {'content-type': 'application/json', 'content-encoding': 'gzip'},
        body: batch.gzip,
        requests: [
          {
            // Rotate over the pages, each with its own rising seq.
            setupRequest(request) {
              const page = pages[turn++ % pages.length];
              request.path = `/v1/web/i?page=${page.pageID}&seq=${page.nextSeq++}`;
              request.headers = {...request.headers, authorization: `Bearer ${page.token}`};
              return request;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve({result, requestErrors})),
    );
    instance.on('reqError', (error) => {
      const key = String(error.code ?? error.message);
      requestErrors[key] = (requestErrors[key] ?? 0) + 1;
    });
  });
}

// Busy CPU seconds of the whole machine (every core), from /proc/stat.
function machineBusySeconds() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = fields[3] + fields[4];
    return (fields.reduce((sum, value) => sum + value, 0) - idle) / 100;
  } catch {
    return null;
  }
}

async function measureBackend({autocannon, batch, options, progress, collector, label, extraPids = {}}) {
  const connections = options.connections;
  const pages = await openPages(collector.url, connections * PAGES_PER_CONNECTION);
  let warmupAcknowledged = 0;
  if (!options.smoke) {
    progress(`collector throughput (${label}): warm-up`);
    warmupAcknowledged = (await load(autocannon, collector.url, pages, batch, connections, 3)).result['2xx'];
  }
  progress(`collector throughput (${label}): ${options.throughputSeconds} s, ${connections} connections`);
  // CPU used during the run, in cores: whether the collector is bound by its
  // CPU, by the disk, or by the load generator sharing the machine.
  const cpuBefore = {collector: collector.cpuSeconds(), machine: machineBusySeconds(), ...Object.fromEntries(Object.entries(extraPids).map(([name, pid]) => [name, processCpuSeconds(pid)]))};
  const generatorCpuBefore = process.cpuUsage();
  const syncsBefore = await collector.metric('collector_storage_syncs_total');
  const {result, requestErrors} = await load(autocannon, collector.url, pages, batch, connections, options.throughputSeconds);
  const syncs = (await collector.metric('collector_storage_syncs_total')) - syncsBefore;
  const generatorCpu = process.cpuUsage(generatorCpuBefore);
  const seconds = result.duration || options.throughputSeconds;
  const cores = (after, before) => (after === null || before === null ? null : (after - before) / seconds);
  const cpu = {
    collectorCores: cores(collector.cpuSeconds(), cpuBefore.collector),
    loadGeneratorCores: (generatorCpu.user + generatorCpu.system) / 1e6 / seconds,
    machineCores: cores(machineBusySeconds(), cpuBefore.machine),
    ...Object.fromEntries(Object.entries(extraPids).map(([name, pid]) => [`${name}Cores`, cores(processCpuSeconds(pid), cpuBefore[name])])),
  };
  const stored2xx = result['2xx'];
  const perSecond = stored2xx / seconds;

  // Durability check: what the collector says it holds against what it acknowledged.
  let storedEvents = null;
  try {
    const sessions = await collector.sessions('?limit=1000');
    const ours = new Set(pages.map((page) => page.sessionID));
    storedEvents = sessions.filter((s) => ours.has(s.sessionID)).reduce((sum, s) => sum + s.pages.reduce((n, p) => n + (p.eventCount ?? 0), 0), 0);
  } catch (error) {
    progress(`collector throughput (${label}): could not read the stored counts (${error.message})`);
  }
  const storedBatches = storedEvents === null ? null : storedEvents / batch.events;
  // Requests still in flight when the load generator stops may be stored
  // without being counted as acknowledged: stored >= acknowledged is the check.
  const acknowledged = warmupAcknowledged + stored2xx;
  const storedNote = storedBatches === null ? '' : storedBatches >= acknowledged ? ' · every acknowledged batch stored' : ` · LOST ${acknowledged - storedBatches} acknowledged batches`;
  const fmt = (value) => (value === null || value === undefined ? '?' : value.toFixed(2));
  const extraCpu = Object.keys(extraPids).map((name) => `, ${name} ${fmt(cpu[`${name}Cores`])}`).join('');
  const note =
    `p50 ${result.latency.p50} ms · p99 ${result.latency.p99} ms · non-2xx ${result.non2xx} · errors ${result.errors}` +
    ` · CPU (cores): collector ${fmt(cpu.collectorCores)}${extraCpu}, load generator ${fmt(cpu.loadGeneratorCores)}, machine ${fmt(cpu.machineCores)}` +
    (stored2xx ? ` · ${(syncs / stored2xx).toFixed(3)} collector fsyncs per batch` : '') +
    storedNote;
  const details = {
    seconds,
    connections,
    pages: pages.length,
    batch: {events: batch.events, jsonBytes: batch.json.length, gzipBytes: batch.gzip.length},
    acknowledged: stored2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpu,
    collectorSyncs: syncs,
    syncsPerBatch: stored2xx ? syncs / stored2xx : null,
    latencyMs: {p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average},
    perSecond,
    requestErrors,
    // Every acknowledged batch (warm-up included: same pages) must be stored once.
    acknowledgedWithWarmup: acknowledged,
    storedBatches,
  };
  return {perSecond, note, details, lost: storedBatches !== null && storedBatches < acknowledged};
}

export async function measureCollectorThroughput({options, progress, tmp}) {
  const autocannon = loadAutocannon();
  const batch = syntheticBatch(BATCH_GZIP_BYTES);
  const size = `${(batch.gzip.length / 1024).toFixed(1)} KiB gzip`;
  const rows = [];
  const details = {};
  const row = (backend, measured, goal) => ({
    metric: `batches of ${size} stored per second, ${options.connections} connections, ${backend}`,
    unit: 'perSecond',
    baseline: null,
    value: measured.perSecond,
    ratio: null,
    p99Ms: measured.details?.latencyMs?.p99 ?? null,
    goal,
    note: measured.note,
  });

  const files = await startCollector({dataDir: join(tmp, 'collector-throughput')});
  try {
    const measured = await measureBackend({autocannon, batch, options, progress, collector: files, label: 'files'});
    rows.push(row('files (default)', measured, {valueMin: 2000, p99MaxMs: 50}));
    details.files = measured.details;
  } finally {
    details.files = {...details.files, shutdownMs: await files.stop(), collectorOutput: files.output().slice(0, 2000)};
  }

  // The same load on PostgreSQL + S3, with the database and the store on this machine too.
  const services = await startStorageServices(tmp);
  if (!services) {
    rows.push({metric: `batches of ${size} stored per second, PostgreSQL + S3`, unit: 'perSecond', baseline: null, value: null, ratio: null, goal: {valueMin: 1000}, note: 'not measured: PostgreSQL is not installed'});
    return {rows, details};
  }
  try {
    const env = {...process.env, TRACKER_SECRET: 'bench-secret', AWS_ACCESS_KEY_ID: services.s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: services.s3.credentials.secretAccessKey, AWS_REGION: 'us-east-1'};
    const shared = await startCollector({
      dataDir: join(tmp, 'collector-throughput-postgres'),
      args: ['--database', services.database, '--blobs', `s3://${services.s3.bucket}/bench`, '--s3-endpoint', services.s3.endpoint],
      env,
    });
    try {
      const measured = await measureBackend({autocannon, batch, options, progress, collector: shared, label: 'PostgreSQL + S3', extraPids: {s3rver: services.s3.pid}});
      rows.push(row('PostgreSQL + S3 on this machine', measured, {valueMin: 1000}));
      details.postgres = measured.details;
    } finally {
      details.postgres = {...details.postgres, shutdownMs: await shared.stop(), collectorOutput: shared.output().slice(0, 2000)};
    }
  } finally {
    await services.stop();
  }
  return {rows, details};
}
