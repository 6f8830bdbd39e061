// A live channel's frame rate limit: a token bucket of `perSecond` frames,
// as many at once. The function it returns takes a token: true while the
// channel is within the limit.
export function frameBudget(perSecond: number, now: () => number): () => boolean {
  let tokens = perSecond;
  let at = now();
  return () => {
    if (!(perSecond > 0)) return true;
    const t = now();
    tokens = Math.min(perSecond, tokens + ((t - at) / 1000) * perSecond);
    at = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
