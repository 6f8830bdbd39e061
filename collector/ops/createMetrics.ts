// What `GET /metrics` exposes, in the Prometheus text format (prom-client).
// Each collector has its own registry, so that collectors started side by
// side in one process (tests) never mix their counts. Counts are per
// collector process: with several instances, Prometheus sums them.
import {collectDefaultMetrics, Counter, Gauge, Histogram, Registry} from 'prom-client';
import {syncCounts} from '../lib/syncCounts';

export interface Metrics {
  /** One answered request: `route` is the route's pattern (never the URL, which may hold IDs or the read key). */
  request(route: string, method: string, status: number): void;
  /** Time spent on a handshake or a batch, from its first byte to its answer. */
  ingestDuration(route: string, seconds: number): void;
  batchStored(bytes: number): void;
  batchDuplicate(): void;
  sessionCreated(): void;
  /** A session did something (handshake, batch): it counts as active for `inactivityMs`. */
  sessionActive(sessionID: string, now: number): void;
  storageError(operation: string, kind: 'unavailable' | 'failed'): void;
  storageAvailable(available: boolean): void;
  rateLimited(limit: string): void;
  /** A viewer login: made, refused, or refused unheard past the failed-login limit. */
  login(outcome: 'ok' | 'failed' | 'limited'): void;
  connectionOpened(): void;
  connectionClosed(): void;
  connectionRefused(reason: 'max-connections' | 'max-connections-per-address'): void;
  /** A frame relayed between a tracker and agents (live/createLiveRelay.ts). */
  liveRelayed(direction: 'to_agent' | 'to_tracker', bytes: number): void;
  /** From a tracker's `ev` frame's arrival to its frame written to an agent's socket. */
  liveRelayLag(seconds: number): void;
  /** A frame not sent to an agent that fell behind. */
  liveDropped(): void;
  liveView(): void;
  liveControlGranted(): void;
  /** Where the live gauges are read at each scrape. */
  observeLive(read: () => LiveFigures): void;
  render(): Promise<{contentType: string; body: string}>;
}

export interface LiveFigures {
  sessions: number;
  tabs: number;
  agents: number;
  /** The largest send buffer of an agent socket, bytes. */
  agentBufferedBytes: number;
}

export interface MetricsOptions {
  /** How long after its last activity a session stops counting as active (the session inactivity timeout). */
  inactivityMs: number;
  now?: () => number;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  const now = options.now ?? Date.now;
  const registers = [registry];
  // CPU, memory, event-loop lag, file descriptors, GC: the usual process figures.
  collectDefaultMetrics({register: registry});

  const requests = new Counter({name: 'collector_http_requests_total', help: 'Requests answered, by route, method and status', labelNames: ['route', 'method', 'status'], registers});
  const ingest = new Histogram({
    name: 'collector_ingest_duration_seconds',
    help: 'Time from the first byte of a handshake or batch to its answer, stored durably when 2xx',
    labelNames: ['route'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const batches = new Counter({name: 'collector_batches_stored_total', help: 'Batches stored durably (duplicates not counted)', registers});
  const duplicates = new Counter({name: 'collector_batches_duplicate_total', help: 'Batches acknowledged as already stored', registers});
  const bytes = new Counter({name: 'collector_batch_bytes_stored_total', help: 'Bytes of event JSON stored (inflated)', registers});
  const created = new Counter({name: 'collector_sessions_created_total', help: 'Sessions created by handshakes', registers});
  const storageErrors = new Counter({
    name: 'collector_storage_errors_total',
    help: 'Storage operations that failed: kind "unavailable" was answered 503 (full disk, backend out of reach), "failed" 500',
    labelNames: ['operation', 'kind'],
    registers,
  });
  const logins = new Counter({name: 'collector_logins_total', help: 'Logins and key checks by outcome: ok, failed (a wrong key or link), limited (429 after too many failures)', labelNames: ['outcome'], registers});
  const available = new Gauge({name: 'collector_storage_available', help: '0 while the storage refuses writes (full disk, backend out of reach), else 1', registers});
  available.set(1);
  const limited = new Counter({name: 'collector_rate_limited_total', help: 'Requests refused with 429, by the limit they hit', labelNames: ['limit'], registers});
  const connections = new Gauge({name: 'collector_open_connections', help: 'TCP connections open', registers});
  const refused = new Counter({name: 'collector_connections_refused_total', help: 'Connections closed at once because a connection cap was reached', labelNames: ['reason'], registers});

  // Kept where the syncs are made (lib/syncCounts.ts), for the whole process.
  new Counter({
    name: 'collector_storage_syncs_total',
    help: 'Requests to the disk to make writes durable, by kind: journal (one fdatasync per group of batches), file, directory, filesystem (a checkpoint\'s syncfs)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of Object.entries(syncCounts())) this.inc({kind}, count);
    },
  });

  let liveFigures: () => LiveFigures = () => ({sessions: 0, tabs: 0, agents: 0, agentBufferedBytes: 0});
  const liveGauge = (name: string, help: string, figure: keyof LiveFigures) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(liveFigures()[figure]);
      },
    });
  liveGauge('collector_live_sessions', 'Sessions with a live tracker channel on this collector', 'sessions');
  liveGauge('collector_live_tabs', 'Tracker channels (tabs) connected to this collector', 'tabs');
  liveGauge('collector_live_agents', 'Agent channels (live views) connected to this collector', 'agents');
  liveGauge('collector_live_agent_buffered_bytes', 'The largest send buffer of an agent channel, bytes (frames past the bound are dropped)', 'agentBufferedBytes');
  const liveMessages = new Counter({name: 'collector_live_messages_relayed_total', help: 'Frames relayed between trackers and agents, by direction', labelNames: ['direction'], registers});
  const liveBytes = new Counter({name: 'collector_live_bytes_relayed_total', help: 'Bytes of frames relayed between trackers and agents, by direction', labelNames: ['direction'], registers});
  const liveLag = new Histogram({
    name: 'collector_live_relay_lag_seconds',
    help: 'Time from a tracker ev frame\'s arrival at the collector to its frame written to an agent\'s socket',
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const liveDropped = new Counter({name: 'collector_live_frames_dropped_total', help: 'Frames not sent to an agent that fell behind (it gets a fresh snapshot once it drains)', registers});
  const liveViews = new Counter({name: 'collector_live_views_total', help: 'Live views started (an agent joined a session)', registers});
  const liveGrants = new Counter({name: 'collector_live_control_grants_total', help: 'Remote control grants (the user allowed an agent)', registers});

  const lastActivity = new Map<string, number>();
  new Gauge({
    name: 'collector_active_sessions',
    help: 'Sessions with a handshake or batch within the inactivity timeout (on this collector)',
    registers,
    collect() {
      this.set(countActive());
    },
  });
  // Oldest activity first (re-inserted on each activity): the count stops at the first recent one.
  function countActive(): number {
    const since = now() - options.inactivityMs;
    for (const [sessionID, at] of lastActivity) {
      if (at >= since) break;
      lastActivity.delete(sessionID);
    }
    return lastActivity.size;
  }

  return {
    request: (route, method, status) => requests.inc({route, method, status: String(status)}),
    ingestDuration: (route, seconds) => ingest.observe({route}, seconds),
    batchStored(size) {
      batches.inc();
      bytes.inc(size);
    },
    batchDuplicate: () => duplicates.inc(),
    sessionCreated: () => created.inc(),
    sessionActive(sessionID, at) {
      lastActivity.delete(sessionID);
      lastActivity.set(sessionID, at);
      // Pruned as it goes too, so that a collector nobody scrapes stays bounded.
      if (lastActivity.size % 1024 === 0) countActive();
    },
    storageError: (operation, kind) => storageErrors.inc({operation, kind}),
    storageAvailable: (yes) => available.set(yes ? 1 : 0),
    rateLimited: (limit) => limited.inc({limit}),
    login: (outcome) => logins.inc({outcome}),
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    connectionRefused: (reason) => refused.inc({reason}),
    liveRelayed(direction, size) {
      liveMessages.inc({direction});
      liveBytes.inc({direction}, size);
    },
    liveRelayLag: (seconds) => liveLag.observe(seconds),
    liveDropped: () => liveDropped.inc(),
    liveView: () => liveViews.inc(),
    liveControlGranted: () => liveGrants.inc(),
    observeLive(read) {
      liveFigures = read;
    },
    async render() {
      return {contentType: registry.contentType, body: await registry.metrics()};
    },
  };
}
