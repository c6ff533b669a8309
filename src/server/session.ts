import { Subject, type Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import { SessionClock } from '../metrics/index.ts';
import { type Frame, sessionGraph } from '../pipeline/index.ts';
import {
  type ServerMessage,
  type StartMessage,
  VoxError,
  decodeClientMessage,
  encodeServerMessage,
  protocolVersion,
} from '../protocol/index.ts';
import type { Engine } from './engine.ts';
import { sessionParts } from './sessionParts.ts';

/** Reply audio a client may leave unread before the session is closed (it stopped reading), bytes. */
const maxUnsentBytes = 8 * 1024 * 1024;
/** Errors of one kind sent for dropped input before further ones are only counted. */
const maxRepeatedErrors = 10;

type State = 'awaiting_start' | 'starting' | 'running' | 'stopping' | 'closed';

/**
 * One WebSocket connection: validates control messages, builds the session's stream graph on `start`,
 * feeds it audio, sends what it produces, and tears everything down exactly once on close.
 */
export class Session {
  private state: State = 'awaiting_start';
  private input: Subject<Frame> | null = null;
  private graph: Subscription | null = null;
  private readonly clock = new SessionClock();
  private readonly repeated = new Map<string, number>();
  private processedMs = 0;
  private paused = false;
  private utterances = 0;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    private readonly engine: Engine,
    private readonly onClosed: (session: Session) => void,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.teardown('closed'));
    ws.on('error', () => this.teardown('socket_error'));
  }

  /** Whether `start` has been accepted and the session is listening. */
  get running(): boolean {
    return this.state === 'running';
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (isBinary) {
      this.onAudio(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    try {
      const message = decodeClientMessage(data.toString('utf8'));
      if (message.type === 'start') void this.start(message);
      else if (message.type === 'stop') this.stop();
      else this.cancel();
    } catch (error) {
      this.fail(error);
    }
  }

  private onAudio(bytes: Uint8Array): void {
    if (this.state !== 'running' || !this.input) {
      this.engine.metrics.dropped.inc({ kind: 'audio_before_start' });
      this.errorOnce('VX_NOT_STARTED', this.state === 'stopping' ? 'audio after stop was dropped' : 'audio before start was dropped');
      return;
    }
    this.input.next({ kind: 'ingest', bytes });
    // Push back on the client when audio piles up in front of the models; resume once half of it is done.
    if (!this.paused && this.clock.receivedMs - this.processedMs > this.engine.options.ingestHighWaterMs) {
      this.paused = true;
      this.ws.pause();
    }
  }

  private async start(message: StartMessage): Promise<void> {
    if (this.state !== 'awaiting_start') {
      this.send({ type: 'error', code: 'VX_ALREADY_STARTED', message: 'the session has already started', fatal: false });
      return;
    }
    this.state = 'starting';
    const { engine } = this;
    const o = engine.options;
    try {
      const contextName = message.context ?? o.defaultContext;
      const [context, tts] = await Promise.all([
        engine.context(contextName, message.slots, message.slotMode ?? 'add').catch((e: Error & { code?: string }) => {
          const code = e.code === 'VX_BAD_CONTEXT' ? 'VX_BAD_CONTEXT' : 'VX_UNKNOWN_CONTEXT';
          throw new VoxError(code, e.message, { cause: e });
        }),
        engine.voice(message.reply?.voice ?? 'en-us').catch((e: Error) => {
          throw new VoxError('VX_BAD_MESSAGE', `reply voice ${message.reply?.voice} is not available: ${e.message}`);
        }),
      ]);
      if ((this.state as State) === 'closed') return;
      const reply = {
        enabled: message.reply?.enabled ?? o.replies,
        encoding: message.reply?.encoding ?? 'pcm_s16le',
        sampleRate: message.reply?.sampleRate ?? 16000,
      };
      const input = new Subject<Frame>();
      this.input = input;
      const budgets = { ...o.budgets, ...message.budgets };
      this.graph = sessionGraph(
        input,
        sessionParts(engine, {
          audio: message.audio,
          context,
          tts,
          reply,
          partials: message.partials ?? true,
          budgets,
          clock: this.clock,
          onProgress: (audioMs) => this.progress(audioMs),
        }),
      ).subscribe({
        next: (frame) => {
          if (frame.kind === 'binary') this.sendBinary(frame.bytes);
          else this.send(frame.message);
        },
        error: (error) => this.fail(error),
        complete: () => {
          this.send({ type: 'end', utterances: this.utterances });
          this.close(1000, 'stopped');
        },
      });
      this.state = 'running';
      this.send({
        type: 'ready',
        protocol: protocolVersion,
        session: this.id,
        context: { name: context.name, intents: [...context.graph.spec.intents] },
        audio: message.audio,
        reply,
      });
    } catch (error) {
      if ((this.state as State) === 'closed') return;
      this.state = 'awaiting_start';
      this.fail(error);
    }
  }

  private progress(audioMs: number): void {
    this.processedMs = Math.max(this.processedMs, audioMs);
    if (this.paused && this.clock.receivedMs - this.processedMs < this.engine.options.ingestHighWaterMs / 2) {
      this.paused = false;
      this.ws.resume();
    }
  }

  private stop(): void {
    if (this.state !== 'running' || !this.input) {
      if (this.state === 'awaiting_start') this.close(1000, 'stopped before start');
      return;
    }
    this.state = 'stopping';
    this.input.next({ kind: 'end' });
    this.input.complete();
  }

  private cancel(): void {
    if (this.state === 'running') this.input?.next({ kind: 'flush' });
  }

  private send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (message.type === 'intent') this.utterances++;
    if (message.type === 'intent') this.engine.metrics.utterances.inc({ outcome: message.understood ? 'understood' : 'not_understood' });
    if (message.type === 'error') {
      this.engine.metrics.errors.inc({ code: message.code });
      if (message.utterance !== undefined) this.engine.metrics.utterances.inc({ outcome: 'error' });
    }
    this.ws.send(encodeServerMessage(message));
  }

  private sendBinary(bytes: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > maxUnsentBytes) {
      this.fail(new VoxError('VX_BACKPRESSURE', 'the client is not reading reply audio'));
      return;
    }
    this.ws.send(bytes, { binary: true });
  }

  private errorOnce(code: 'VX_NOT_STARTED', message: string): void {
    const n = (this.repeated.get(code) ?? 0) + 1;
    this.repeated.set(code, n);
    if (n <= maxRepeatedErrors) this.send({ type: 'error', code, message, fatal: false });
  }

  /** Reports an error to the client; closes the session when the error's code says so. */
  private fail(error: unknown): void {
    const vox = error instanceof VoxError ? error : new VoxError('VX_INTERNAL', 'internal error', { cause: error });
    if (!(error instanceof VoxError)) this.engine.log.warn('session failed', { session: this.id, error: String((error as Error)?.stack ?? error) });
    const fatal = vox.closeCode !== null || (this.graph !== null && this.graph.closed && this.state !== 'closed');
    this.send({ type: 'error', code: vox.code, message: vox.message, fatal });
    if (fatal) this.close(vox.closeCode ?? 1011, vox.code);
  }

  /** Closes the socket (terminating it if the close handshake stalls). */
  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.close(code, reason.slice(0, 120));
      const timer = setTimeout(() => this.ws.terminate(), this.engine.options.closeTimeoutMs);
      timer.unref();
      this.ws.once('close', () => clearTimeout(timer));
    }
    this.teardown(reason);
  }

  private teardown(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.input?.complete();
    this.graph?.unsubscribe();
    this.graph = null;
    this.input = null;
    this.engine.metrics.sessions.inc({ end: reason.startsWith('VX_') ? reason : 'normal' });
    this.onClosed(this);
  }
}
