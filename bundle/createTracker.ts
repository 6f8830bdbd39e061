// The tracker: sessions (start/stop/identity), wiring recorder -> batcher ->
// transport -> collector. Usable directly as an ES module:
//   import {createTracker} from 'replay-tracker';
//   const tracker = createTracker({projectKey, ingestPoint});
//   await tracker.start();
import type {
  InitOptions,
  RecordedEvent,
  SessionGrant,
  StartOptions,
  StartPromiseReturn,
  Tracker,
  TrackerConfig,
  TrackerStats,
} from './types';
import {claimTabID, readStoredSession, readUserUUID, storeSampling, storeSession, storeUserUUID} from './sessionStore';
import {requestSession, type HandshakeRequest} from './handshake';
import {startRecording, type Recorder} from './recorder';
import {privacySelectors} from './privacySelectors';
import {decideSampling} from './sampling';
import {createErrorBuffer, type ErrorBuffer} from './errorBuffer';
import {preserveWebGLDrawingBuffers} from './canvas/loadCanvasCapture';
import {loadPart} from './lib/loadPart';
import {openLiveChannel, type LiveChannel} from './assist/openLiveChannel';
import type {Assist, StartAssist} from './assist/host';
import type {ToTrackerFrame} from './assist/protocol';
import type {CanvasCapture, StartCanvasCapture} from './canvas/captureCanvas';
import type {Credentials} from './transport';
import {captureVitals} from './vitals';
import {startCapturing} from './capture/startCapturing';
import {redactUrl} from './lib/redactUrl';
import {afterLoad} from './lib/afterLoad';
import {warn} from './lib/warn';
import {wireDelivery} from './wireDelivery';

export type {InitOptions, StartOptions, StartPromiseReturn, Tracker, TrackerConfig} from './types';

declare const __TRACKER_VERSION__: string;
const VERSION = typeof __TRACKER_VERSION__ === 'string' ? __TRACKER_VERSION__ : 'dev';

const FULL_SNAPSHOT = 2;
const CUSTOM_EVENT = 5;
const MAX_EARLY_EVENTS = 100;
const STOP_DRAIN_MS = 10_000;
// A page still loading after this long is recorded anyway.
const RECORDING_DELAY_CAP_MS = 3000;
const SAMPLED_OUT = 'sampled out by sampleRate: nothing is recorded';
const BUFFERING = 'sampled out by sampleRate; onErrorSampleRate records in memory until an error or flush()';

export interface LiveTracker extends Tracker {
  /** event() with the time it was really called (the stub's queue keeps it). */
  eventAt(name: string, payload: unknown, time: number): void;
  _stats(): TrackerStats;
}

/** Internal: the <script> that loaded the bundle (takeOverStub.ts), for the canvas file beside it. */
export interface BundleConfig extends TrackerConfig {
  bundleScript?: HTMLScriptElement | null;
}

const fail = (reason: string): StartPromiseReturn => ({success: false, reason});
const succeed = (grant: SessionGrant): StartPromiseReturn => ({
  success: true,
  sessionID: grant.sessionID,
  sessionToken: grant.sessionToken,
  sessionHash: grant.sessionHash,
  userUUID: grant.userUUID,
});

function missingFeature(): string | null {
  if (typeof fetch !== 'function') return 'fetch';
  if (typeof MutationObserver !== 'function') return 'MutationObserver';
  if (typeof WeakMap !== 'function') return 'WeakMap';
  if (typeof AbortController !== 'function') return 'AbortController';
  return null;
}

// JSON-safe copy taken at call time: a circular or huge payload is refused
// here, where the caller can see the warning, not later inside a batch.
function jsonCopy(value: unknown, what: string): unknown | undefined {
  try {
    const json = JSON.stringify(value === undefined ? null : value);
    if (json.length > 64 * 1024) {
      warn(`${what} is larger than 64 KiB and was dropped`);
      return undefined;
    }
    return JSON.parse(json);
  } catch (error) {
    warn(`${what} cannot be serialized and was dropped`, error);
    return undefined;
  }
}

export function createTracker(config: BundleConfig): LiveTracker {
  // Assist's options have no defaults here: they are read only by the channel and tracker-assist.js.
  const options: Required<Omit<InitOptions, 'assist' | 'assistScriptUrl'>> & InitOptions = {
    maskAllInputs: true,
    maskAllText: false,
    maskTextSelector: '',
    maskEmailsAndCards: true,
    blockSelector: '',
    flushIntervalMs: 5000,
    maxBatchEvents: 500,
    maxBufferBytes: 8 * 1024 * 1024,
    checkoutIntervalMs: 5 * 60_000,
    inactivityTimeoutMs: 30 * 60_000,
    maxRetryDelayMs: 30_000,
    captureVitals: true,
    captureErrors: true,
    captureConsole: true,
    captureNetwork: true,
    captureNavigation: true,
    captureFrustration: true,
    sampleRate: 1,
    onErrorSampleRate: 0,
    bufferSeconds: 60,
    captureCanvas: false,
    canvasFps: 2,
    canvasQuality: 0.6,
    canvasScriptUrl: '',
    ...config,
  };
  const projectKey = typeof config.projectKey === 'string' ? config.projectKey : '';
  const ingestPoint = String(config.ingestPoint || '').replace(/\/+$/, '');

  let grant: SessionGrant | null = null;
  let active = false;
  let assistOnly = false;
  let starting: Promise<StartPromiseReturn> | null = null;
  let renewing: Promise<Credentials | null> | null = null;
  let recorder: Recorder | null = null;
  let earlyEvents: RecordedEvent[] = [];
  const identity: {userID?: string; metadata: Record<string, string>} = {metadata: {}};
  const stats = {recordedEvents: 0, sentBatches: 0, droppedEvents: 0, handshakes: 0};
  let lastActivityStored = 0;
  let capturing = false;
  // Record on error: the session is kept in memory until a trigger (errorBuffer.ts).
  let buffer: ErrorBuffer | null = null;
  let triggering: Promise<void> | null = null;
  // Bumped whenever recording ends or begins: a recorder that starts late (afterLoad) checks it.
  let generation = 0;
  let canvas: CanvasCapture | null = null;
  let canvasLoading: Promise<StartCanvasCapture | null> | null = null;
  // Assist: the live channel, and what tracker-assist.js made of it once an agent joined.
  let live: LiveChannel | null = null;
  let assist: Assist | null = null;
  let assistLoading: Promise<StartAssist | null> | null = null;
  let tap: ((event: RecordedEvent, json: string) => void) | null = null;
  let tabID: string | undefined;

  const nodeId = (node: Node | null | undefined) => recorder?.nodeId(node) ?? null;
  const takeFullSnapshot = () => recorder?.takeFullSnapshot();
  const delivery = wireDelivery(
    options,
    ingestPoint,
    config.bundleScript,
    stats,
    () => active,
    rememberActivity,
    renewCredentials,
    custom,
    takeFullSnapshot,
  );

  // `json`: the event's JSON when it was made already (a full snapshot's is).
  function record(event: RecordedEvent, json?: string): void {
    // Watched: one serialization for the live stream and the batch alike.
    if (tap) tap(event, (json ??= JSON.stringify(event)));
    // rrweb's throttled callbacks (mousemove, scroll) can still fire after stop().
    if (!delivery.delivering() && !buffer) return;
    stats.recordedEvents++;
    if (event.type === FULL_SNAPSHOT) {
      // Replay rebuilds every canvas empty at a full snapshot.
      canvas?.resend();
      // A snapshot is complete: a landmark in DevTools' timeline.
      performance.mark?.('tracker:recording-started');
    }
    if (buffer) return buffer.add(event, json);
    delivery.deliver(event, json);
  }

  function custom(tag: string, payload: unknown, timestamp = Date.now()): void {
    const event: RecordedEvent = {type: CUSTOM_EVENT, data: {tag, payload}, timestamp};
    if ((active && (delivery.delivering() || tap)) || buffer) record(event);
    else if (!active && !assistOnly && earlyEvents.length < MAX_EARLY_EVENTS) earlyEvents.push(event);
  }

  function rememberActivity(force = false): void {
    const now = Date.now();
    if (!grant || (!force && now - lastActivityStored < 5000)) return;
    lastActivityStored = now;
    storeSampling(projectKey, 'record', now);
    storeSession(projectKey, {
      sessionID: grant.sessionID,
      sessionToken: grant.sessionToken,
      sessionHash: grant.sessionHash,
      lastActivityAt: now,
    });
  }

  function handshakeRequest(extra: Partial<HandshakeRequest>): HandshakeRequest {
    return {
      projectKey,
      userUUID: readUserUUID() ?? undefined,
      userID: identity.userID,
      metadata: Object.keys(identity.metadata).length ? {...identity.metadata} : undefined,
      url: redactUrl(location.href),
      referrer: redactUrl(document.referrer),
      viewport: {width: innerWidth, height: innerHeight},
      timestamp: Date.now(),
      trackerVersion: VERSION,
      ...extra,
    };
  }

  // Installed once, at the first start(): see capture/startCapturing.ts.
  function startSignals(): void {
    if (capturing) return;
    capturing = true;
    startCapturing(
      options,
      ingestPoint,
      () => active || starting || buffer,
      custom,
      trigger,
      nodeId,
    );
  }

  function adopt(next: SessionGrant): void {
    grant = next;
    storeUserUUID(next.userUUID);
    rememberActivity(true);
    live?.reconnect();
  }

  // Assist (SPEC section 8): the channel is here; the rest loads with the first agent.
  function startLive(): void {
    tabID ??= claimTabID();
    const early: ToTrackerFrame[] = [];
    const channel = (live = openLiveChannel(
      ingestPoint,
      () => ({token: grant!.sessionToken, tab: tabID!, pageID: grant!.pageID}),
      (frame) => {
        if (assist) return assist.onFrame(frame);
        early.push(frame);
        if (frame.t == 'agents' && frame.agents.length) {
          void (assistLoading ??= loadPart('assist', options.assistScriptUrl, config.bundleScript)).then((startAssist) => {
            if (live != channel || !startAssist || assist) return;
            assist = startAssist({
              send: channel.send,
              tap: (listener) => (tap = listener),
              recorder: () => (recorder ??= assistOnly ? startRecording(options, record) : null),
              options,
            });
            early.forEach(assist.onFrame);
          });
        }
      },
      renewCredentials,
    ));
  }

  // A 401 from the collector: the token expired or was revoked. Ask again for
  // this session and page; the collector resumes them through the session hash.
  function renewCredentials(): Promise<Credentials | null> {
    renewing ??= (async () => {
      const previous = grant;
      if (!previous) return null;
      const result = await requestSession(
        ingestPoint,
        handshakeRequest({token: previous.sessionToken, sessionHash: previous.sessionHash, page: previous.pageID}),
      );
      stats.handshakes++;
      if (!result.ok) {
        warn(`could not renew the session: ${result.reason}`);
        return null;
      }
      adopt(result.grant);
      // Another page (or session): it must begin with a full snapshot to be replayable.
      if (result.grant.sessionID !== previous.sessionID || result.grant.pageID !== previous.pageID) {
        setTimeout(takeFullSnapshot, 0);
      }
      return {token: result.grant.sessionToken, pageID: result.grant.pageID};
    })().finally(() => (renewing = null));
    return renewing;
  }

  // Everything of a new recording but where it goes: the batcher, or the buffer.
  function beginCapture(): void {
    const early = earlyEvents;
    earlyEvents = [];
    early.forEach((event) => record(event));
    if (identity.userID !== undefined) custom('tracker.identify', {userID: identity.userID});
    for (const [key, value] of Object.entries(identity.metadata)) custom('tracker.metadata', {key, value});
    if (options.captureVitals) {
      captureVitals((vital) => custom('tracker.vital', vital), nodeId);
    }
    // The snapshot waits for the page to load and paint (lib/afterLoad.ts);
    // events of this session (custom ones) are kept meanwhile.
    const mine = ++generation;
    void afterLoad(RECORDING_DELAY_CAP_MS).then(() => {
      if (mine !== generation) return; // stopped, or another session began
      try {
        recorder = startRecording(options, record);
        if (!recorder) warn('rrweb could not start recording this document');
      } catch (error) {
        warn('recording could not start', error);
      }
      if (recorder && options.captureCanvas) startCanvas(mine);
    });
  }

  function startCanvas(mine: number): void {
    canvasLoading ??= loadPart('canvas', options.canvasScriptUrl, config.bundleScript);
    void canvasLoading.then((startCanvasCapture) => {
      if (!startCanvasCapture || mine !== generation || !recorder) return;
      const {blockSelector, maskTextSelector} = privacySelectors(options);
      canvas = startCanvasCapture({
        fps: options.canvasFps,
        quality: options.canvasQuality,
        skipSelector: `${blockSelector},${maskTextSelector}`,
        nodeId,
        emit: record,
      });
    });
  }

  function beginRecording(session: SessionGrant): void {
    delivery.createDelivery(session);
    beginCapture();
  }

  function beginBuffering(): void {
    buffer = createErrorBuffer(options.bufferSeconds * 1000, options.maxBufferBytes, takeFullSnapshot);
    beginCapture();
  }

  // A record-on-error session's trigger: the session is made now, the buffer
  // goes out, and the session records normally from here on, across reloads.
  function trigger(reason: string): Promise<void> {
    if (!buffer) return Promise.resolve();
    triggering ??= (async () => {
      // Where it happened, for the viewer; and a mark for the collector (`trigger`).
      custom('tracker.trigger', {reason});
      storeSampling(projectKey, 'record', Date.now());
      const result = await requestSession(ingestPoint, handshakeRequest({forceNew: true}));
      stats.handshakes++;
      if (!buffer) return;
      if (!result.ok) {
        storeSampling(projectKey, 'buffer', Date.now());
        return warn(`could not send the recording: ${result.reason}`);
      }
      adopt(result.grant);
      delivery.createDelivery(result.grant);
      active = true;
      const events = buffer.take();
      buffer = null;
      delivery.sendBuffered(events);
      // Over its byte cap the buffer may hold no snapshot: the replay needs one.
      if (!events.some((event) => event.type === FULL_SNAPSHOT)) takeFullSnapshot();
    })().finally(() => (triggering = null));
    return triggering;
  }

  function endRecording() {
    generation++;
    canvas?.stop();
    canvas = null;
    buffer?.take();
    buffer = null;
    recorder?.stop();
    recorder = null;
    return delivery.endDelivery();
  }

  async function stopSession(): Promise<void> {
    if (buffer) endRecording();
    if (!active) return;
    active = false;
    assist?.stop();
    live?.close();
    live = assist = tap = null;
    rememberActivity(true);
    const transport = endRecording();
    await transport?.drain(STOP_DRAIN_MS);
    stats.sentBatches += transport?.sentBatches() ?? 0;
  }

  async function beginSession(opts: Partial<StartOptions>): Promise<StartPromiseReturn> {
    if (active || buffer) await stopSession();
    let stored = opts.forceNew ? null : readStoredSession(projectKey);
    if (stored && Date.now() - stored.lastActivityAt > options.inactivityTimeoutMs) stored = null;
    // An explicit hash from another origin wins over this tab's own session.
    if (stored && opts.sessionHash && opts.sessionHash !== stored.sessionHash) stored = null;
    const result = await requestSession(
      ingestPoint,
      handshakeRequest({
        token: stored?.sessionToken,
        sessionHash: opts.forceNew ? undefined : opts.sessionHash,
        forceNew: opts.forceNew || undefined,
        assistOnly: opts.assistOnly || undefined,
      }),
    );
    stats.handshakes++;
    if (!result.ok) return fail(result.reason);
    adopt(result.grant);
    active = true;
    assistOnly = !!opts.assistOnly;
    if (options.assist || assistOnly) startLive();
    if (assistOnly) earlyEvents = [];
    else beginRecording(result.grant);
    return succeed(result.grant);
  }

  function applyIdentity(opts: Partial<StartOptions>): void {
    if (typeof opts.userID === 'string') setUserID(opts.userID);
    if (opts.metadata && typeof opts.metadata === 'object') {
      for (const [key, value] of Object.entries(opts.metadata)) setMetadata(key, value);
    }
  }

  async function startSafely(opts: Partial<StartOptions>): Promise<StartPromiseReturn> {
    if (!projectKey) return fail('projectKey is missing: pass it in the snippet call or to createTracker()');
    if (!ingestPoint) return fail('ingestPoint is missing: pass the collector URL in the snippet call or to createTracker()');
    const missing = missingFeature();
    if (missing) return fail(`unsupported browser: ${missing} is not available`);
    // Two calls in flight share one handshake; forceNew waits for it and then starts anew.
    while (starting) {
      const result = await starting;
      if (!opts.forceNew) {
        applyIdentity(opts);
        return result;
      }
    }
    if (active && grant && !opts.forceNew) {
      applyIdentity(opts);
      return succeed(grant);
    }
    if (buffer && !opts.forceNew) {
      applyIdentity(opts);
      return fail(BUFFERING);
    }
    // Drawn before anything is installed: a session sampled out costs the page nothing.
    const sampling = opts.assistOnly ? 'record' : decideSampling(projectKey, options, opts.forceNew, opts.sessionHash);
    if (sampling === 'out') {
      if (active || buffer) await stopSession();
      return fail(SAMPLED_OUT);
    }
    // Only a session that records changes how the page's WebGL contexts are made.
    if (options.captureCanvas && !opts.assistOnly) preserveWebGLDrawingBuffers();
    if (typeof opts.userID === 'string') identity.userID = opts.userID;
    if (opts.metadata && typeof opts.metadata === 'object') {
      for (const [key, value] of Object.entries(opts.metadata)) identity.metadata[key] = String(value);
    }
    if (sampling === 'buffer') {
      if (active || buffer) await stopSession();
      startSignals();
      beginBuffering();
      return fail(BUFFERING);
    }
    starting = beginSession(opts).finally(() => (starting = null));
    // In an assistOnly session, what is captured goes only to agents watching.
    startSignals();
    return starting;
  }

  function start(startOpts?: Partial<StartOptions>): Promise<StartPromiseReturn> {
    const opts = startOpts && typeof startOpts === 'object' ? startOpts : {};
    return startSafely(opts)
      .catch((error) => fail(`tracker failed to start: ${error}`))
      .then((result) => {
        try {
          if (typeof opts.startCallback === 'function') opts.startCallback(result);
        } catch (error) {
          warn('startCallback threw', error);
        }
        return result;
      });
  }

  async function stop(): Promise<void> {
    try {
      while (starting) await starting;
      await stopSession();
    } catch (error) {
      warn('stop failed', error);
    }
  }

  function setUserID(userID: string): void {
    if (typeof userID !== 'string') return warn('setUserID expects a string');
    identity.userID = userID;
    custom('tracker.identify', {userID});
  }

  function setMetadata(key: string, value: string): void {
    if (typeof key !== 'string' || !key) return warn('setMetadata expects a key string');
    identity.metadata[key] = String(value);
    custom('tracker.metadata', {key, value: String(value)});
  }

  function eventAt(name: string, payload: unknown, time: number): void {
    if (typeof name !== 'string' || !name) return warn('event expects a name string');
    const copy = jsonCopy(payload, `the payload of event "${name}"`);
    if (copy !== undefined) custom('tracker.event', {name, payload: copy}, time);
  }

  async function flush(): Promise<void> {
    try {
      if (buffer) await trigger('flush()');
      else delivery.flush();
    } catch (error) {
      warn('flush failed', error);
    }
  }

  // Every public method is wrapped: nothing may throw into the page.
  const guard =
    <A extends unknown[], R>(name: string, method: (...args: A) => R, fallback: R) =>
    (...args: A): R => {
      try {
        return method(...args);
      } catch (error) {
        warn(`${name} failed`, error);
        return fallback;
      }
    };

  return {
    start,
    stop,
    flush,
    setUserID: guard('setUserID', setUserID, undefined),
    setMetadata: guard('setMetadata', setMetadata, undefined),
    event: guard('event', (name: string, payload?: unknown) => eventAt(name, payload, Date.now()), undefined),
    eventAt: guard('event', eventAt, undefined),
    getSessionID: () => (active && grant ? grant.sessionID : null),
    getSessionHash: () => (active && grant ? grant.sessionHash : null),
    isActive: () => active,
    _stats: () => ({
      recordedEvents: stats.recordedEvents,
      bufferedBytes: buffer ? buffer.bytes() : delivery.bufferedBytes(),
      sentBatches: stats.sentBatches + delivery.sentBatches(),
      droppedEvents: stats.droppedEvents,
      handshakes: stats.handshakes,
    }),
  };
}
