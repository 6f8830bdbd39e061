// How the S3 client retries: a request that failed quickly (a connection
// reset on a stale keep-alive socket, a 500, "slow down") is tried again
// after a short random pause, up to `maxAttempts` in all; a request that
// timed out is not. The SDK's own strategy retries timeouts too, so a store
// that hangs would be waited on `maxAttempts` times over before the collector
// could answer 503; the tracker retries the batch later anyway.
import type {S3ClientConfig} from '@aws-sdk/client-s3';

type RetryStrategyV2 = Extract<NonNullable<S3ClientConfig['retryStrategy']>, {refreshRetryTokenForRetry: unknown}>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

export function retryUnlessTimedOut(maxAttempts: number, baseDelayMs = 100): RetryStrategyV2 {
  const token = (retries: number, delayMs: number): RetryToken => ({getRetryCount: () => retries, getRetryDelay: () => delayMs});
  return {
    async acquireInitialRetryToken() {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous, {error, errorType}) {
      const retries = previous.getRetryCount() + 1;
      // Throwing refuses the retry: the SDK then throws the request's own error.
      if (retries >= maxAttempts || errorType === 'CLIENT_ERROR' || (error as Error | undefined)?.name === 'TimeoutError') throw error;
      // "Full jitter": instances that failed together do not retry together. Throttling waits longer.
      const ceiling = baseDelayMs * 2 ** retries * (errorType === 'THROTTLING' ? 5 : 1);
      return token(retries, Math.random() * ceiling);
    },
    recordSuccess() {},
  };
}
