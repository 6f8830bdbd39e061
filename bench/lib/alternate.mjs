// Runs the variants side by side, A B C A B C ..., so that a machine that gets
// slower or faster during the run (thermal, another process, a GC of the
// harness) shifts every variant alike instead of only the one measured last.
// Warm-up rounds (JIT, disk cache, the collector's first requests) are run the
// same way and dropped.
export async function alternate({variants, reps, warmup = 0, run, onRound}) {
  const samples = Object.fromEntries(variants.map((variant) => [variant, []]));
  for (let round = -warmup; round < reps; round++) {
    for (const variant of variants) {
      const sample = await run(variant, round);
      if (round >= 0) samples[variant].push(sample);
    }
    onRound?.(round);
  }
  return samples;
}
