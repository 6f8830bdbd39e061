// The session lifecycle: start (sampling, the handshake, resuming this tab's
// session), stop, the trigger that makes a record-on-error buffer a session,
// the credentials renewed after a 401, and Assist's live channel. It decides
// where each recorded event goes: to agents watching, to the batch (the
// delivery wiring, wireDelivery.ts), to the record-on-error buffer, or, before
// the session is known, to a short queue. What is captured comes from the
// capture wiring (wireCapture.ts).
import type {RecordedEvent, SessionGrant, StartOptions, StartPromiseReturn} from './types';
import type {TrackerOptions} from './trackerOptions';
import {wireCapture} from './wireCapture';
import {warn} from './lib/warn';
import {preserveWebGLDrawingBuffers} from './canvas/loadCanvasCapture';
import {loadPart} from './lib/loadPart';
import {redactUrl} from './lib/redactUrl';
import {openLiveChannel, type LiveChannel} from './assist/openLiveChannel';
import {requestSession, type HandshakeRequest} from './handshake';
import {claimTabID, readStoredSession, readUserUUID, storeSampling, storeSession, storeUserUUID} from './sessionStore';
import type {Assist, StartAssist} from './assist/host';
import type {ToTrackerFrame} from './assist/protocol';
import type {Credentials} from './transport';
import {createErrorBuffer, type ErrorBuffer} from './errorBuffer';
import {wireDelivery} from './wireDelivery';
import {decideSampling} from './sampling';

declare const __TRACKER_VERSION__: string;
const VERSION = typeof __TRACKER_VERSION__ === 'string' ? __TRACKER_VERSION__ : 'dev';

const FULL_SNAPSHOT = 2;
const CUSTOM_EVENT = 5;
const MAX_EARLY_EVENTS = 100;
const STOP_DRAIN_MS = 10_000;
const SAMPLED_OUT = 'sampled out by sampleRate: nothing is recorded';
const BUFFERING = 'sampled out by sampleRate; onErrorSampleRate records in memory until an error or flush()';

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

export function createSessionLifecycle(
  options: TrackerOptions,
  projectKey: string,
  ingestPoint: string,
  bundleScript: HTMLScriptElement | null | undefined,
) {
  let grant: SessionGrant | null = null;
  let active = false;
  let assistOnly = false;
  let starting: Promise<StartPromiseReturn> | null = null;
  let renewing: Promise<Credentials | null> | null = null;
  let earlyEvents: RecordedEvent[] = [];
  const identity: {userID?: string; metadata: Record<string, string>} = {metadata: {}};
  const stats = {recordedEvents: 0, sentBatches: 0, droppedEvents: 0, handshakes: 0};
  let lastActivityStored = 0;
  // Record on error: the session is kept in memory until a trigger (errorBuffer.ts).
  let buffer: ErrorBuffer | null = null;
  let triggering: Promise<void> | null = null;
  // Assist: the live channel, and what tracker-assist.js made of it once an agent joined.
  let live: LiveChannel | null = null;
  let assist: Assist | null = null;
  let assistLoading: Promise<StartAssist | null> | null = null;
  let tap: ((event: RecordedEvent, json: string) => void) | null = null;
  let tabID: string | undefined;

  const capture = wireCapture(options, ingestPoint, bundleScript, record, custom, () => active || starting || buffer, trigger);
  const {takeFullSnapshot} = capture;
  const delivery = wireDelivery(
    options,
    ingestPoint,
    bundleScript,
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
    if (event.type === FULL_SNAPSHOT) capture.snapshotRecorded();
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
          void (assistLoading ??= loadPart('assist', options.assistScriptUrl, bundleScript)).then((startAssist) => {
            if (live != channel || !startAssist || assist) return;
            assist = startAssist({
              send: channel.send,
              tap: (listener) => (tap = listener),
              recorder: () => capture.recorder(assistOnly),
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
    capture.beginCapture();
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
    buffer?.take();
    buffer = null;
    capture.endCapture();
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
      capture.startSignals();
      beginBuffering();
      return fail(BUFFERING);
    }
    starting = beginSession(opts).finally(() => (starting = null));
    // In an assistOnly session, what is captured goes only to agents watching.
    capture.startSignals();
    return starting;
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

  return {
    /** Never rejects: what went wrong is the result's reason. */
    start: (opts: Partial<StartOptions>) => startSafely(opts).catch((error) => fail(`tracker failed to start: ${error}`)),
    async stop(): Promise<void> {
      try {
        while (starting) await starting;
        await stopSession();
      } catch (error) {
        warn('stop failed', error);
      }
    },
    async flush(): Promise<void> {
      try {
        if (buffer) await trigger('flush()');
        else delivery.flush();
      } catch (error) {
        warn('flush failed', error);
      }
    },
    setUserID,
    setMetadata,
    custom,
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
