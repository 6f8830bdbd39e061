// Exponential backoff with full jitter: spreads the retries of many tabs so a
// collector coming back up is not hit by all of them at once.
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
