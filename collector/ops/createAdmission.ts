// Whether a handshake or a batch may go on, or is refused with 429 and
// Retry-After (which the tracker honours before it tries again).
//
// The project key is public (it is in every page's snippet), so anyone can
// call the handshake and ingest: the limits stop one address, or one
// project's key in many hands, from taking the collector's disk and CPU.
//   per address  checked before the body is read: the cheapest refusal
//   per project  checked once the project is known (handshake body, token)
//   new sessions per project: what fills the disk fastest
// Addresses on loopback (this machine: a load test, a health check, a proxy
// on the same host without --trust-proxy) are not limited per address unless
// `exemptLoopback` is off; project limits still apply to them.
import type {IncomingMessage} from 'node:http';
import {HttpError} from '../lib/httpError';
import type {RateLimits} from './defaultLimits';
import {addressKey, clientAddress, isLoopbackAddress} from './clientAddress';
import type {Logger} from './createLogger';
import type {Metrics} from './createMetrics';
import {createTokenBuckets, type TokenBuckets} from './createTokenBuckets';

export type IngestKind = 'handshake' | 'batch';

export interface Admission {
  /** Throws a 429 HttpError when the request's address is over its limit. */
  admitAddress(kind: IngestKind, req: IncomingMessage): void;
  /** Throws a 429 HttpError when the project is over its limit. */
  admitProject(kind: IngestKind, projectKey: string): void;
  /** Throws a 429 HttpError when the project has created too many sessions lately. */
  admitNewSession(projectKey: string): void;
}

export interface AdmissionOptions {
  limits: RateLimits;
  /** How many reverse proxies in front append to X-Forwarded-For (0: none, the header is ignored). */
  trustedProxies: number;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

const WHAT: Record<IngestKind, string> = {handshake: 'handshakes', batch: 'batches'};

export function createAdmission(options: AdmissionOptions): Admission {
  const {limits, trustedProxies, metrics, logger} = options;
  const now = options.now ?? Date.now;
  const buckets: Record<string, TokenBuckets> = {
    handshake_per_address: createTokenBuckets(limits.handshakesPerAddress),
    handshake_per_project: createTokenBuckets(limits.handshakesPerProject),
    batch_per_address: createTokenBuckets(limits.batchesPerAddress),
    batch_per_project: createTokenBuckets(limits.batchesPerProject),
    new_session_per_project: createTokenBuckets(limits.newSessionsPerProject),
  };
  let warnedForwardedFor = false;

  const take = (limit: string, key: string, refusal: string, fields: Record<string, string>) => {
    const taken = buckets[limit].take(key, now());
    if (taken.ok) return;
    metrics.rateLimited(limit);
    logger.debug('rate_limited', {limit, ...fields, retryAfterSeconds: taken.retryAfterSeconds});
    throw new HttpError(429, `${refusal}: try again in ${taken.retryAfterSeconds} s`, {'Retry-After': String(taken.retryAfterSeconds)});
  };

  return {
    admitAddress(kind, req) {
      if (!trustedProxies && !warnedForwardedFor && req.headers['x-forwarded-for'] !== undefined) {
        warnedForwardedFor = true;
        logger.warn('forwarded_for_ignored', {
          reason: 'requests carry X-Forwarded-For but --trust-proxy is not set: per-address limits apply to the address that connects (the proxy, if there is one)',
        });
      }
      const address = clientAddress(req, trustedProxies);
      if (limits.exemptLoopback && isLoopbackAddress(address)) return;
      take(`${kind}_per_address`, addressKey(address), `too many ${WHAT[kind]} from this address`, {address});
    },
    admitProject(kind, projectKey) {
      take(`${kind}_per_project`, projectKey, `too many ${WHAT[kind]} for project "${projectKey}" on this collector`, {projectKey});
    },
    admitNewSession(projectKey) {
      take('new_session_per_project', projectKey, `too many new sessions for project "${projectKey}" on this collector`, {projectKey});
    },
  };
}
