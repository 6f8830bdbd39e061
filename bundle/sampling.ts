// Which sessions are kept (SPEC section 7). The decision is drawn once per
// session and stored beside it in sessionStorage, so a reload or a duplicated
// tab of the same session keeps it: a session recorded in one page and dropped
// in the next would replay as fragments. For the same reason a sessionHash
// (getSessionHash() of a recorded session, carried to another origin) means
// 'record': that session was sampled in where it began, and drawing again
// here could cut it in two.
import {readSampling, storeSampling} from './sessionStore';

/** 'record': recorded and sent; 'buffer': kept in memory until a trigger; 'out': not recorded. */
export type Sampling = 'record' | 'buffer' | 'out';

const rate = (value: unknown, fallback: number) =>
  typeof value === 'number' && value >= 0 && value <= 1 ? value : fallback;

export function decideSampling(
  projectKey: string,
  options: {sampleRate?: number; onErrorSampleRate?: number; inactivityTimeoutMs: number},
  forceNew?: boolean,
  sessionHash?: unknown,
): Sampling {
  const now = Date.now();
  const stored = forceNew ? null : readSampling(projectKey);
  const continued = !forceNew && typeof sessionHash === 'string' && sessionHash;
  let decision: Sampling = continued
    ? 'record'
    : stored && now - stored.at <= options.inactivityTimeoutMs
      ? stored.decision
      : Math.random() < rate(options.sampleRate, 1)
        ? 'record'
        : Math.random() < rate(options.onErrorSampleRate, 0)
          ? 'buffer'
          : 'out';
  storeSampling(projectKey, decision, now);
  return decision;
}
