// Figure 7: how many batches a collector stores per second on this machine,
// durable as shipped (its defaults, its data directory on the project's disk).
// autocannon plays many tabs at once: each request is a ~10 KB gzipped batch
// of rrweb events for one of many pages obtained from POST /v1/web/start, with
// the page's next seq, so no request is a duplicate the collector could
// acknowledge without storing. Afterwards the stored event counts are checked
// against the acknowledged batches.
import {createRequire} from 'node:module';
import {join} from 'node:path';
import {startCollector} from '../lib/startCollector.mjs';
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

export async function measureCollectorThroughput({options, progress, tmp}) {
  const autocannon = loadAutocannon();
  const batch = syntheticBatch(BATCH_GZIP_BYTES);
  const collector = await startCollector({dataDir: join(tmp, 'collector-throughput')});
  try {
    const connections = options.connections;
    const pages = await openPages(collector.url, connections * PAGES_PER_CONNECTION);
    let warmupAcknowledged = 0;
    if (!options.smoke) {
      progress('collector throughput: warm-up');
      warmupAcknowledged = (await load(autocannon, collector.url, pages, batch, connections, 3)).result['2xx'];
    }
    progress(`collector throughput: ${options.throughputSeconds} s, ${connections} connections`);
    const before = pages.reduce((sum, page) => sum + page.nextSeq, 0);
    // CPU used during the run, in cores: whether the collector is bound by
    // its CPU, by the disk, or by the load generator sharing the machine.
    const collectorCpuBefore = collector.cpuSeconds();
    const generatorCpuBefore = process.cpuUsage();
    const {result, requestErrors} = await load(autocannon, collector.url, pages, batch, connections, options.throughputSeconds);
    const generatorCpu = process.cpuUsage(generatorCpuBefore);
    const cpu = {
      collectorCores: collectorCpuBefore === null ? null : (collector.cpuSeconds() - collectorCpuBefore) / result.duration,
      loadGeneratorCores: (generatorCpu.user + generatorCpu.system) / 1e6 / result.duration,
    };
    const built = pages.reduce((sum, page) => sum + page.nextSeq, 0) - before;
    const stored2xx = result['2xx'];
    const perSecond = stored2xx / (result.duration || options.throughputSeconds);

    // Durability check: what the collector says it holds against what it acknowledged.
    let storedEvents = null;
    try {
      const sessions = await collector.sessions('?limit=1000');
      const ours = new Set(pages.map((page) => page.sessionID));
      storedEvents = sessions.filter((s) => ours.has(s.sessionID)).reduce((sum, s) => sum + s.pages.reduce((n, p) => n + (p.eventCount ?? 0), 0), 0);
    } catch (error) {
      progress(`collector throughput: could not read the stored counts (${error.message})`);
    }
    const storedBatches = storedEvents === null ? null : storedEvents / batch.events;
    // Requests still in flight when the load generator stops may be stored
    // without being counted as acknowledged: stored >= acknowledged is the check.
    const acknowledged = warmupAcknowledged + stored2xx;
    const storedNote = storedBatches === null ? '' : storedBatches >= acknowledged ? ' · every acknowledged batch stored' : ` · LOST ${acknowledged - storedBatches} acknowledged batches`;
    const rows = [
      {
        metric: `batches of ${(batch.gzip.length / 1024).toFixed(1)} KiB gzip stored per second, ${connections} connections`,
        unit: 'perSecond',
        baseline: null,
        value: perSecond,
        ratio: null,
        goal: {valueMin: 2000},
        note:
          `p50 ${result.latency.p50} ms · p99 ${result.latency.p99} ms · non-2xx ${result.non2xx} · errors ${result.errors}` +
          (cpu.collectorCores === null ? '' : ` · CPU: collector ${cpu.collectorCores.toFixed(2)} cores, load generator ${cpu.loadGeneratorCores.toFixed(2)}`) +
          storedNote,
      },
    ];
    return {
      rows,
      details: {
        seconds: result.duration,
        connections,
        pages: pages.length,
        batch: {events: batch.events, jsonBytes: batch.json.length, gzipBytes: batch.gzip.length},
        requestsBuilt: built,
        acknowledged: stored2xx,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        cpu,
        latencyMs: {p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average},
        perSecond,
        requestErrors,
        // Every acknowledged batch (warm-up included: same pages) must be stored once.
        acknowledgedWithWarmup: acknowledged,
        storedBatches,
        collectorOutput: collector.output().slice(0, 2000),
      },
    };
  } finally {
    await collector.stop();
  }
}
