// Which sessions are kept (SPEC section 7). The decision is drawn once per
// session and stored beside it in sessionStorage, so a reload or a duplicated
// tab of the same session keeps it: a session recorded in one page and dropped
// in the next would replay as fragments.
import {readSampling, storeSampling} from './sessionStore';

/** 'record': recorded and sent; 'buffer': kept in memory until a trigger; 'out': not recorded. */
export type Sampling = 'record' | 'buffer' | 'out';

const rate = (value: unknown, fallback: number) =>
  typeof value === 'number' && value >= 0 && value <= 1 ? value : fallback;

export function decideSampling(
  projectKey: string,
  options: {sampleRate?: number; onErrorSampleRate?: number; inactivityTimeoutMs: number},
  forceNew?: boolean,
): Sampling {
  const now = Date.now();
  const stored = forceNew ? null : readSampling(projectKey);
  let decision: Sampling =
    stored && now - stored.at <= options.inactivityTimeoutMs
      ? stored.decision
      : Math.random() < rate(options.sampleRate, 1)
        ? 'record'
        : Math.random() < rate(options.onErrorSampleRate, 0)
          ? 'buffer'
          : 'out';
  storeSampling(projectKey, decision, now);
  return decision;
}
