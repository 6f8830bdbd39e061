// The limits a collector runs with unless told otherwise, sized for one
// process on a 2-core machine (which stores about 1,000 batches a second:
// bench figure 7). docs/self-hosting.md lists
// them with their flags.

/** Request bodies' sizes (CollectorOptions.limits). */
export interface Limits {
  /** Handshake body (default 64 KiB). */
  startBodyBytes: number;
  /** Batch body as sent, compressed or not (default 4 MiB). */
  batchBodyBytes: number;
  /** Batch body once inflated (default 32 MiB). */
  batchInflatedBytes: number;
}

/** A token bucket: `perSecond` refills it, up to `burst` requests at once; `perSecond` 0 means no limit. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** Rate limits of the handshake and of ingest (ops/createAdmission.ts); each is per collector process. */
export interface RateLimits {
  /** Default 5/s, bursts of 50. */
  handshakesPerAddress: RateLimit;
  /** Default 200/s, bursts of 2,000. */
  handshakesPerProject: RateLimit;
  /** Default 50/s, bursts of 500. */
  batchesPerAddress: RateLimit;
  /** Default 5,000/s, bursts of 50,000. */
  batchesPerProject: RateLimit;
  /** Default 3,000 a minute, bursts of 3,000. */
  newSessionsPerProject: RateLimit;
  /** Clients on loopback (this machine) are not limited per address. Default true. */
  exemptLoopback: boolean;
}

/** What keeps slow clients from starving others (ops/guardConnections.ts). */
export interface ConnectionLimits {
  /** Default 1000; 0: no cap. */
  maxConnections: number;
  /** Default 100 (not applied to loopback, nor behind trusted proxies); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** Default 10. */
  headersTimeoutSeconds: number;
  /** Default 30. */
  requestTimeoutSeconds: number;
  /** Default 5. */
  keepAliveTimeoutSeconds: number;
  /** How long close() lets requests in progress finish before cutting them off. Default 10. */
  shutdownGraceSeconds: number;
}

// A burst is this many seconds' worth of the rate: a page load or a reconnect
// storm behind one NAT is let through, a sustained flood is not.
export const BURST_SECONDS = 10;

export const DEFAULT_LIMITS: Limits = {
  startBodyBytes: 64 * 1024,
  batchBodyBytes: 4 * 1024 * 1024,
  batchInflatedBytes: 32 * 1024 * 1024,
};

const perSecond = (rate: number) => ({perSecond: rate, burst: rate * BURST_SECONDS});

export const DEFAULT_RATE_LIMITS: RateLimits = {
  // A handshake is a page load: 5 a second from one address is a busy office behind one NAT.
  handshakesPerAddress: perSecond(5),
  handshakesPerProject: perSecond(200),
  // The tracker sends a batch every 5 s per tab: 50 a second is some 250 tabs behind one address.
  batchesPerAddress: perSecond(50),
  batchesPerProject: perSecond(5000),
  // Per minute: what fills the disk is new sessions, more than their batches.
  newSessionsPerProject: {perSecond: 3000 / 60, burst: 3000},
  exemptLoopback: true,
};

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1000,
  maxConnectionsPerAddress: 100,
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  keepAliveTimeoutSeconds: 5,
  shutdownGraceSeconds: 10,
};
