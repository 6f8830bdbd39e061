// Token buckets, one per key (a client address, a project): each holds up to
// `burst` tokens, refills at `perSecond`, and a request takes one. Refusals
// say how long until a token is back, which becomes the 429's Retry-After.
//
// Memory stays bounded whatever keys arrive (an attacker can make up
// addresses, above all IPv6 ones): a bucket that has refilled is the same as
// no bucket and is dropped, and past `maxKeys` the least recently used bucket
// goes first. Dropping a bucket can only ever be generous, never unfair.
import type {RateLimit} from './defaultLimits';

export type Take = {ok: true} | {ok: false; retryAfterSeconds: number};

export interface TokenBuckets {
  /** Takes a token from `key`'s bucket, or says how long to wait for one. */
  take(key: string, now: number): Take;
  /** Buckets held in memory (for tests and metrics). */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

const DEFAULT_MAX_KEYS = 100_000;

export function createTokenBuckets(limit: RateLimit, maxKeys = DEFAULT_MAX_KEYS): TokenBuckets {
  const buckets = new Map<string, Bucket>();
  const {perSecond, burst} = limit;
  // Past this age a bucket is full again.
  const refillMs = (burst / perSecond) * 1000;
  let sweptAt = 0;

  const sweep = (now: number) => {
    sweptAt = now;
    for (const [key, bucket] of buckets) if (now - bucket.at >= refillMs) buckets.delete(key);
  };

  return {
    take(key, now) {
      if (!(perSecond > 0)) return {ok: true};
      if (now - sweptAt >= Math.max(refillMs, 1000)) sweep(now);
      const found = buckets.get(key);
      const bucket = found ?? {tokens: burst, at: now};
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      // Re-inserted so that the Map's order is least recently used first.
      if (found) buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return {ok: true};
      }
      return {ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))};
    },
    get size() {
      return buckets.size;
    },
  };
}
