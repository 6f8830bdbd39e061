// Repetitions and durations. The defaults keep a full run within about ten
// minutes on the 2-core machine; --smoke runs everything once, as short as it
// can be, to check the harness (an e2e test does).
//   --smoke | BENCH_SMOKE=1          one repetition of everything, short sessions
//   --reps N | BENCH_REPS=N          repetitions per variant of every timed figure
//   --only a,b | BENCH_ONLY=a,b      only these figures (sizes, pageLoad, recording,
//                                    delivery, wire, start, viewer, capture, canvas,
//                                    live, throughput)
//   --session-seconds N              length of the scripted session (figure 5)
//   --throughput-seconds N           length of the load test (figure 7)
//   --connections N                  concurrent clients of the load test
//   --out FILE | BENCH_OUT=FILE      where to write the results (default bench/results.json;
//                                    a test's smoke run writes elsewhere)
//   --keep-tmp                       keep bench/tmp/run-<pid> (collector data)
export function readOptions(argv, env) {
  const flag = (name) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const number = (value, fallback) => {
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`expected a positive number, got ${value}`);
    return parsed;
  };
  const smoke = argv.includes('--smoke') || env.BENCH_SMOKE === '1';
  const reps = number(flag('reps') ?? env.BENCH_REPS, null);
  const only = flag('only') ?? env.BENCH_ONLY;
  const pick = (full, quick) => (smoke ? quick : reps ?? full);
  return {
    smoke,
    only: only ? only.split(',').map((id) => id.trim()) : null,
    // Dropped first round of every alternation (JIT, caches, the collector's first writes).
    warmup: smoke ? 0 : 1,
    // Page loads vary by ±5 % from run to run here: 20 for a steadier median.
    pageLoadReps: pick(20, 1),
    // Total blocking time is counted over the first 5 s of each load; on the
    // 20,000-element page of figure 2 over 10 s: it loads in 2–4 s here, and
    // the tracker's first snapshot ends as late as 5 s after navigation.
    loadWindowMs: smoke ? 1000 : 5000,
    manyElementsWindowMs: smoke ? 2000 : 10000,
    mutationReps: pick(10, 1),
    deliveryReps: pick(5, 1),
    startReps: pick(15, 1),
    firstBatchReps: pick(8, 1),
    sessionSeconds: number(flag('session-seconds') ?? env.BENCH_SESSION_SECONDS, smoke ? 6 : 60),
    throughputSeconds: number(flag('throughput-seconds') ?? env.BENCH_THROUGHPUT_SECONDS, smoke ? 2 : 20),
    connections: number(flag('connections') ?? env.BENCH_CONNECTIONS, smoke ? 8 : 50),
    out: flag('out') ?? env.BENCH_OUT ?? 'bench/results.json',
    keepTmp: argv.includes('--keep-tmp'),
  };
}
