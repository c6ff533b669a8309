import { Subject, type Subscription, finalize } from 'rxjs';
import type { WebSocket } from 'ws';
import { opusPacketSamples48k } from '../audio/index.ts';
import { ContextError } from '../context/index.ts';
import { SessionClock } from '../metrics/index.ts';
import { type StreamItem, sessionGraph } from '../pipeline/index.ts';
import {
  type ServerMessage,
  type StartMessage,
  VoxError,
  decodeClientMessage,
  encodeServerMessage,
  protocolVersion,
} from '../protocol/index.ts';
import { type Engine, sessionParts } from '../runtime/index.ts';
import type { ServerOptions } from './config.ts';
import { type SessionEnd, endLabels, endedWith } from './sessionEnd.ts';
import { SessionLifecycle } from './sessionPhase.ts';
import { TokenBucket } from './tokenBucket.ts';
import { UndecodableMessages, undecodable } from './undecodableMessages.ts';
import { UtteranceLedger } from './utteranceLedger.ts';

/** A context a client may name when paths are not allowed: what `loadContext` resolves as a bare name. */
const contextNamePattern = /^[\w-]{1,64}$/;

/** Errors of one kind sent for dropped input before further ones are only counted. */
const maxRepeatedErrors = 10;

/** What the server tells a session about its connection and hears back from it. */
export interface SessionHooks {
  /** Whether audio is held to real time plus the burst allowance (the token may lift it). */
  readonly realtime: boolean;
  /** When the session's signed token expires, ms since the epoch (wall clock); null for none. */
  readonly expiresAtMs: number | null;
  /** Called once, when the session is torn down. */
  closed(session: Session): void;
  /** Called when the session's stream graph is built, then `graphReleased` once it is released (its `finalize`). */
  graphOpened(): void;
  graphReleased(): void;
}

/**
 * One WebSocket connection: validates control messages, builds the session's stream graph on `start`,
 * feeds it audio within the session's limits, sends what it produces, accounts for every utterance, and
 * tears everything down exactly once on close.
 */
export class Session {
  private readonly lifecycle = new SessionLifecycle();
  private input: Subject<StreamItem> | null = null;
  private graph: Subscription | null = null;
  private audio: StartMessage['audio'] | null = null;
  private readonly clock = new SessionClock();
  private readonly repeated = new Map<string, number>();
  private readonly undecodable = new UndecodableMessages();
  private readonly ledger: UtteranceLedger;
  private readonly audioAllowance: TokenBucket;
  private readonly controlAllowance: TokenBucket;
  private readonly limitTimer: NodeJS.Timeout;
  private readonly openedAt = performance.now();
  /**
   * Last time the session did work for the client: `start` accepted, its audio processed, its stream graph
   * answering. Control messages and undecodable messages do not count, so they cannot hold a session open.
   */
  private lastActive = performance.now();
  private processedMs = 0;
  /** Whether the socket is paused because audio piled up in front of the models (backpressure, not phase). */
  private paused = false;
  private utterances = 0;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    private readonly engine: Engine<ServerOptions>,
    private readonly hooks: SessionHooks,
  ) {
    const o = engine.options;
    const m = engine.metrics;
    this.ledger = new UtteranceLedger({
      accepted: () => m.utterancesAccepted.inc(),
      ended: (outcome, intent) => {
        m.utterances.inc({ outcome });
        if (intent) m.intents.inc({ understood: String(intent.understood) });
      },
      violation: (message) => {
        m.accountingViolations.inc();
        engine.log.warn('second ending of an utterance dropped', { session: id, type: message.type });
      },
    });
    this.audioAllowance = new TokenBucket(1, o.audioBurstMs);
    this.controlAllowance = new TokenBucket(o.controlRatePerSec / 1000, o.controlBurst);
    // One coarse timer per session for its time limits (idle, length, token expiry); its period bounds how
    // late they act. An interval, not a timeout at the expiry: setTimeout overflows past 24.8 days.
    this.limitTimer = setInterval(
      () => this.checkLimits(),
      Math.max(20, Math.min(1000, o.idleTimeoutMs / 4, o.maxSessionMs / 4)),
    );
    this.limitTimer.unref();
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    // A close the session did not start: the client closed, reset the connection or missed a ping.
    ws.on('close', () => this.teardown({ reason: 'client_gone' }));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws refuses a message over its hard limit itself (close 1009) before we see it.
      const tooLarge = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
      if (tooLarge) engine.metrics.errors.inc({ code: 'VX_FRAME_TOO_LARGE' });
      this.teardown(tooLarge ? endedWith('VX_FRAME_TOO_LARGE') : { reason: 'client_gone' });
    });
  }

  /**
   * Starts draining: the utterances open now are finished and answered (replies included), then the session
   * closes with `VX_SHUTTING_DOWN` (1001); utterances opened meanwhile end with that error. A session that
   * is not listening yet closes at once; one that is stopping finishes as it would have.
   */
  drain(): void {
    const { lifecycle } = this;
    if (lifecycle.over || lifecycle.is('draining', 'stopping')) return;
    if (!lifecycle.is('running')) return this.shutdown();
    lifecycle.moveTo({ name: 'draining', upTo: this.ledger.lastAccepted });
    this.checkDrained();
  }

  /** Ends the session now with `VX_SHUTTING_DOWN` (1001), ending its open utterances with that error. */
  shutdown(): void {
    this.end(new VoxError('VX_SHUTTING_DOWN', 'the server is shutting down'));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.lifecycle.over) return;
    const o = this.engine.options;
    if (data.byteLength > o.maxMessageBytes) {
      this.end(
        new VoxError(
          'VX_FRAME_TOO_LARGE',
          `a message of ${data.byteLength} bytes is over the limit of ${o.maxMessageBytes}`,
        ),
      );
      return;
    }
    if (isBinary) {
      this.onAudio(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    if (!this.controlAllowance.take(1)) {
      const limit = `${o.controlBurst} at once, ${o.controlRatePerSec} a second`;
      this.end(new VoxError('VX_CONTROL_RATE_EXCEEDED', `control messages faster than allowed (${limit})`));
      return;
    }
    try {
      const message = decodeClientMessage(data.toString('utf8'));
      if (message.type === 'start') void this.onStart(message);
      else if (message.type === 'stop') this.onStop();
      else this.onCancel();
    } catch (error) {
      this.fail(error);
    }
  }

  private onAudio(bytes: Uint8Array): void {
    if (!this.lifecycle.listening || !this.input) {
      this.engine.metrics.dropped.inc({ kind: 'audio_before_start' });
      this.errorOnce(
        'VX_NOT_STARTED',
        this.lifecycle.is('stopping') ? 'audio after stop was dropped' : 'audio before start was dropped',
      );
      return;
    }
    const audio = this.audio as StartMessage['audio'];
    const bad = undecodable(bytes, audio.encoding);
    if (bad) return this.onUndecodable(bad.code, bad.message);
    if (this.hooks.realtime && !this.audioAllowance.take(this.durationMs(bytes))) {
      const burst = this.engine.options.audioBurstMs;
      this.end(new VoxError('VX_AUDIO_RATE_EXCEEDED', `audio more than ${burst} ms ahead of real time`));
      return;
    }
    this.input.next({ kind: 'ingest', bytes });
    // Push back on the client when audio piles up in front of the models; resume once half of it is done.
    if (!this.paused && this.clock.receivedMs - this.processedMs > this.engine.options.ingestHighWaterMs) {
      this.paused = true;
      this.ws.pause();
    }
  }

  /**
   * A binary item that is not audio: dropped and counted; the first few of each code are reported, and a
   * flood of them ends the session (`VX_BAD_AUDIO`, close 1008) rather than costing an error per item.
   */
  private onUndecodable(code: 'VX_BAD_AUDIO' | 'VX_BAD_OPUS', message: string): void {
    this.engine.metrics.dropped.inc({ kind: 'undecodable' });
    const verdict = this.undecodable.note(code);
    if (verdict === 'report') this.send({ type: 'error', code, message, fatal: false });
    else if (verdict === 'flood') {
      const { burst, perSec } = this.undecodable.limits;
      this.end(
        new VoxError(
          'VX_BAD_AUDIO',
          `${this.undecodable.count} undecodable messages, more than ${burst} at once or ${perSec} a second`,
          { close: 1008 },
        ),
      );
    }
  }

  /** Audio time in one binary item, ms (0 for an Opus packet too broken to say: the decoder reports it). */
  private durationMs(bytes: Uint8Array): number {
    const audio = this.audio as StartMessage['audio'];
    if (audio.encoding === 'pcm_s16le') return (bytes.byteLength / 2 / audio.sampleRate) * 1000;
    try {
      return opusPacketSamples48k(bytes) / 48;
    } catch {
      return 0;
    }
  }

  private async onStart(message: StartMessage): Promise<void> {
    const { lifecycle } = this;
    if (!lifecycle.is('awaiting')) {
      this.send({
        type: 'error',
        code: 'VX_ALREADY_STARTED',
        message: 'the session has already started',
        fatal: false,
      });
      return;
    }
    lifecycle.moveTo({ name: 'starting', stopRequested: false });
    const startingSince = performance.now();
    const { engine } = this;
    const o = engine.options;
    try {
      if (
        message.context !== undefined &&
        !o.allowContextPaths &&
        !contextNamePattern.test(message.context)
      ) {
        throw new VoxError(
          'VX_UNKNOWN_CONTEXT',
          'start.context must be a context name such as "smart_home" (at most 64 of A-Z a-z 0-9 _ -); this server takes no paths',
        );
      }
      const contextName = message.context ?? o.defaultContext;
      // The voice first: an unknown one is refused before any context is compiled.
      const tts = await engine.voice(message.reply?.voice ?? (engine.voices[0] as string));
      const context = await engine
        .context(contextName, message.slots, message.slotMode ?? 'add')
        .catch((e: unknown) => {
          throw contextFailure(contextName, e, engine);
        });
      if (lifecycle.over) return;
      const reply = {
        enabled: message.reply?.enabled ?? o.replies,
        encoding: message.reply?.encoding ?? 'pcm_s16le',
        sampleRate: message.reply?.sampleRate ?? 16000,
      };
      const input = new Subject<StreamItem>();
      this.input = input;
      this.audio = message.audio;
      const budgets = { ...o.budgets, ...message.budgets };
      const parts = sessionParts(engine, {
        audio: message.audio,
        context,
        tts,
        reply,
        partials: message.partials ?? true,
        budgets,
        clock: this.clock,
        onProgress: (audioMs) => this.progress(audioMs),
      });
      const stopRequested = lifecycle.phase.name === 'starting' && lifecycle.phase.stopRequested;
      lifecycle.moveTo({ name: 'running' });
      this.lastActive = performance.now();
      this.hooks.graphOpened();
      this.graph = sessionGraph(input, parts)
        .pipe(finalize(() => this.hooks.graphReleased()))
        .subscribe({
          next: (item) => {
            if (item.kind === 'binary') return this.sendBinary(item.bytes);
            const m = item.message;
            // The decoder's own refusals (an Opus packet that passed the checks at the edge) count as those do.
            if (
              m.type === 'error' &&
              (m.code === 'VX_BAD_AUDIO' || m.code === 'VX_BAD_OPUS') &&
              m.utterance === undefined
            )
              return this.onUndecodable(m.code, m.message);
            this.lastActive = performance.now();
            this.send(m);
          },
          // A stream graph that fails is gone: the session cannot go on.
          error: (error) => this.end(toVoxError(error, this.engine)),
          complete: () => {
            this.send({ type: 'end', utterances: this.utterances });
            this.close(1000, 'stopped', { reason: 'normal' });
          },
        });
      this.send({
        type: 'ready',
        protocol: protocolVersion,
        session: this.id,
        context: { name: context.name, intents: [...context.graph.spec.intents] },
        audio: message.audio,
        reply,
        audioBurstMs: this.hooks.realtime ? o.audioBurstMs : null,
        voices: engine.voices,
      });
      if (stopRequested) this.onStop();
    } catch (error) {
      const phase = lifecycle.phase;
      if (phase.name !== 'starting') {
        if (!lifecycle.over) this.fail(error);
        return;
      }
      lifecycle.moveTo({ name: 'awaiting' });
      // The time the server took to refuse it (a context queued for compiling) is not the client's idling.
      this.lastActive += performance.now() - startingSince;
      this.fail(error);
      // A `stop` that came while starting still ends the session, as it would have before `start`.
      if (phase.stopRequested) this.onStop();
    }
  }

  private progress(audioMs: number): void {
    this.processedMs = Math.max(this.processedMs, audioMs);
    this.lastActive = performance.now();
    if (this.paused && this.clock.receivedMs - this.processedMs < this.engine.options.ingestHighWaterMs / 2) {
      this.paused = false;
      this.ws.resume();
    }
  }

  private onStop(): void {
    const { lifecycle } = this;
    if (lifecycle.is('starting')) {
      lifecycle.moveTo({ name: 'starting', stopRequested: true });
      return;
    }
    if (lifecycle.is('awaiting')) return this.close(1000, 'stopped before start', { reason: 'normal' });
    if (!lifecycle.listening || !this.input) return;
    lifecycle.moveTo({ name: 'stopping' });
    this.input.next({ kind: 'end' });
    this.input.complete();
  }

  private onCancel(): void {
    if (this.lifecycle.listening) this.input?.next({ kind: 'flush' });
  }

  private send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A client that stopped reading: what is sent only piles up. The session's own last errors still go.
    if (
      !(message.type === 'error' && message.fatal) &&
      this.ws.bufferedAmount > this.engine.options.maxUnsentBytes
    ) {
      this.end(new VoxError('VX_BACKPRESSURE', 'the client is not reading what the server sends'));
      return;
    }
    if (!this.ledger.admit(message)) return;
    if (message.type === 'intent') this.utterances++;
    if (message.type === 'error') this.engine.metrics.errors.inc({ code: message.code });
    this.ws.send(encodeServerMessage(message));
    this.checkDrained();
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.engine.options.maxUnsentBytes) {
      this.end(new VoxError('VX_BACKPRESSURE', 'the client is not reading reply audio'));
      return;
    }
    this.lastActive = performance.now();
    this.ws.send(bytes, { binary: true });
  }

  private errorOnce(code: 'VX_NOT_STARTED', message: string): void {
    const n = (this.repeated.get(code) ?? 0) + 1;
    this.repeated.set(code, n);
    if (n <= maxRepeatedErrors) this.send({ type: 'error', code, message, fatal: false });
  }

  /** Reports an error to the client; ends the session when the error's code closes it. */
  private fail(error: unknown): void {
    const vox = toVoxError(error, this.engine);
    if (vox.closeCode !== null) this.end(vox);
    else this.send({ type: 'error', code: vox.code, message: vox.message, fatal: false });
  }

  /**
   * Ends the session with a fatal error: one `error` per open utterance (its ending), or one without an
   * utterance when none is open, then the close code of the error (1011 when it has none).
   */
  private end(vox: VoxError): void {
    if (this.lifecycle.over) return;
    this.lifecycle.moveTo({ name: 'ending' });
    const open = this.ledger.openUtterances;
    if (open.length === 0) this.send({ type: 'error', code: vox.code, message: vox.message, fatal: true });
    for (const utterance of open)
      this.send({ type: 'error', code: vox.code, message: vox.message, fatal: true, utterance });
    this.close(vox.closeCode ?? 1011, vox.code, endedWith(vox.code));
  }

  private checkLimits(): void {
    const o = this.engine.options;
    const now = performance.now();
    const expiresAtMs = this.hooks.expiresAtMs;
    // The token's exp is wall-clock time, unlike the monotonic clock of the other two limits.
    if (expiresAtMs !== null && Date.now() >= expiresAtMs) {
      this.end(new VoxError('VX_TOKEN_EXPIRED', 'the access token of this session expired'));
    } else if (now - this.openedAt >= o.maxSessionMs) {
      this.end(
        new VoxError('VX_SESSION_TIME_LIMIT', `the session reached its limit of ${o.maxSessionMs} ms`),
      );
    } else if (!this.lifecycle.is('starting') && now - this.lastActive >= o.idleTimeoutMs) {
      // While `start` is being answered (a context compiling) the wait is the server's, not the client's.
      const what = this.lifecycle.is('awaiting') ? 'no start' : 'no audio and nothing to answer';
      this.end(new VoxError('VX_IDLE_TIMEOUT', `${what} for ${o.idleTimeoutMs} ms`));
    }
  }

  private checkDrained(): void {
    const phase = this.lifecycle.phase;
    // Everything that was under way when the drain began is answered.
    if (phase.name === 'draining' && this.ledger.settledUpTo(phase.upTo)) this.shutdown();
  }

  /** Closes the socket (terminating it if the close handshake stalls); `end` is counted in the metrics. */
  private close(code: number, reason: string, end: SessionEnd): void {
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.close(code, reason.slice(0, 120));
      const timer = setTimeout(() => this.ws.terminate(), this.engine.options.closeTimeoutMs);
      timer.unref();
      this.ws.once('close', () => clearTimeout(timer));
    }
    this.teardown(end);
  }

  private teardown(end: SessionEnd): void {
    if (this.lifecycle.is('closed')) return;
    this.lifecycle.moveTo({ name: 'closed' });
    clearInterval(this.limitTimer);
    this.graph?.unsubscribe();
    this.input?.complete();
    this.graph = null;
    this.input = null;
    // Whatever is still open can no longer be answered: the client is gone (or the session ended it above).
    this.ledger.abandonAll();
    this.engine.metrics.sessions.inc(endLabels(end));
    this.hooks.closed(this);
  }
}

/**
 * What the client is told when context `name` does not load: its name and, for a fault in it, the line and
 * what is wrong there, never where the server keeps its files.
 */
function contextFailure(name: string, error: unknown, engine: Engine): VoxError {
  if (error instanceof VoxError) return error;
  const shown = JSON.stringify(name.slice(0, 64));
  if (error instanceof ContextError) {
    if (error.code === 'VX_UNKNOWN_CONTEXT')
      return new VoxError('VX_UNKNOWN_CONTEXT', `no context named ${shown}`, { cause: error });
    const at = error.line === undefined ? '' : ` line ${error.line}`;
    return new VoxError('VX_BAD_CONTEXT', `context ${shown}${at}: ${error.detail}`, { cause: error });
  }
  engine.log.warn('context failed to load', { context: name.slice(0, 200), error: String(error) });
  return new VoxError('VX_UNKNOWN_CONTEXT', `context ${shown} could not be loaded`, { cause: error });
}

function toVoxError(error: unknown, engine: Engine): VoxError {
  if (error instanceof VoxError) return error;
  engine.log.warn('session failed', { error: String((error as Error)?.stack ?? error) });
  return new VoxError('VX_INTERNAL', 'internal error', { cause: error });
}
