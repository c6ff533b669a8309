import { Subject, type Subscription, finalize } from 'rxjs';
import { SessionClock } from '../../metrics/index.ts';
import { type StreamItem, type SpeechSynthesizer, sessionGraph } from '../../pipeline/index.ts';
import type { ServerMessage } from '../../protocol/index.ts';
import { type Engine, type LoadedContext, sessionParts } from '../../runtime/index.ts';
import type { ServerOptions } from '../config.ts';

/** What a transcription tells its connection. */
export interface TranscriptionHooks {
  /** Sends a Wyoming event. */
  send(type: string, data: Record<string, unknown>): void;
  /** The request ended with an error of the shared pipeline (its code and message). */
  failed(code: string, message: string): void;
  /** The transcript went out (early or at the end): the request is answered. */
  answered(): void;
  /** Audio piles up in front of the models: stop reading the socket until `resume`. */
  pause(): void;
  resume(): void;
  /** Called with each utterance's stage timings (for the metrics). */
  graphOpened(): void;
  graphReleased(): void;
}

/** How the transcript is sent. */
export interface TranscriptionSetup {
  readonly context: LoadedContext;
  /** 16-bit mono PCM at this rate is what `push` takes. */
  readonly sampleRate: number;
  /** Send `transcript-start`, `transcript-chunk`s of our partials, and `transcript-stop` around `transcript`. */
  readonly streaming: boolean;
  readonly language: string;
}

/** The graph's reply synthesizer: replies are off for speech to text, so it is never called. */
const noReplies: SpeechSynthesizer = {
  synthesize: () => Promise.reject(new Error('a Wyoming transcription speaks no replies')),
};

/**
 * One Wyoming speech-to-text request over the shared per-session stream graph (the same one WebSocket
 * sessions run, replies off): audio in, `transcript` out. The first utterance understood is answered at once,
 * before `audio-stop` when the server's voice detection ends it first (Home Assistant then stops listening);
 * with no speech, or none understood, `transcript` is empty once the audio stops, so Home Assistant never acts
 * on a guess below the accept threshold.
 */
export class Transcription {
  private input: Subject<StreamItem> | null = new Subject<StreamItem>();
  private graph: Subscription | null = null;
  private readonly clock = new SessionClock();
  private sentText = '';
  private started = false;
  private done = false;
  private paused = false;
  private processedMs = 0;

  constructor(
    private readonly engine: Engine<ServerOptions>,
    private readonly setup: TranscriptionSetup,
    private readonly hooks: TranscriptionHooks,
  ) {
    const o = engine.options;
    const parts = sessionParts(engine, {
      audio: { encoding: 'pcm_s16le', sampleRate: setup.sampleRate },
      context: setup.context,
      tts: noReplies,
      reply: { enabled: false, encoding: 'pcm_s16le', sampleRate: 16000 },
      partials: setup.streaming,
      budgets: { ...o.budgets },
      clock: this.clock,
      transport: 'wyoming',
      onProgress: (audioMs) => this.progress(audioMs),
    });
    hooks.graphOpened();
    this.graph = sessionGraph(this.input as Subject<StreamItem>, parts)
      .pipe(finalize(() => hooks.graphReleased()))
      .subscribe({
        next: (item) => {
          if (item.kind === 'event') this.onEvent(item.message);
        },
        error: (error: unknown) => this.fail('VX_INTERNAL', String((error as Error)?.message ?? error)),
        complete: () => this.finish(''),
      });
  }

  /** Whether the transcript has been sent (further audio is dropped until `audio-stop`). */
  get answered(): boolean {
    return this.done;
  }

  /** Audio time received, ms. */
  get receivedMs(): number {
    return this.clock.receivedMs;
  }

  /** 16-bit little-endian mono PCM at the setup's rate. */
  push(bytes: Uint8Array): void {
    if (this.done || !this.input) return;
    this.input.next({ kind: 'ingest', bytes });
    if (!this.paused && this.clock.receivedMs - this.processedMs > this.engine.options.ingestHighWaterMs) {
      this.paused = true;
      this.hooks.pause();
    }
  }

  /** `audio-stop`: the utterance open is finished, then the transcript (empty if none) goes out. */
  stop(): void {
    if (this.done || !this.input) return;
    const input = this.input;
    this.input = null;
    input.next({ kind: 'end' });
    input.complete();
  }

  /** Drops the request: the graph is released and nothing more is sent. Idempotent. */
  close(): void {
    this.done = true;
    this.release();
  }

  private onEvent(message: ServerMessage): void {
    if (this.done) return;
    switch (message.type) {
      case 'speech_start':
        this.start();
        break;
      case 'partial': {
        // Wyoming chunks add to the text: only a partial that extends what was sent can be sent.
        if (!this.setup.streaming || !message.text.startsWith(this.sentText)) break;
        const added = message.text.slice(this.sentText.length);
        if (added.trim() === '') break;
        this.start();
        this.hooks.send('transcript-chunk', { text: added });
        this.sentText = message.text;
        break;
      }
      case 'intent':
        if (message.understood) this.finish(message.transcript);
        break;
      case 'error':
        // An over-long utterance is cut and still decided; anything else ends the request.
        if (message.code !== 'VX_UTTERANCE_TOO_LONG') this.fail(message.code, message.message);
        break;
      default:
        break;
    }
  }

  private start(): void {
    if (this.started || !this.setup.streaming) return;
    this.started = true;
    this.hooks.send('transcript-start', { language: this.setup.language });
  }

  private finish(text: string): void {
    if (this.done) {
      // The graph completed after an early answer: everything it had is out (its metrics too).
      this.release();
      return;
    }
    this.start();
    this.done = true;
    this.hooks.send('transcript', { text, language: this.setup.language });
    if (this.setup.streaming) this.hooks.send('transcript-stop', {});
    // No more audio goes in; the graph finishes what it holds (the utterance's metrics) and completes.
    const input = this.input;
    this.input = null;
    // After the graph's current emission, not inside it.
    queueMicrotask(() => {
      input?.next({ kind: 'end' });
      input?.complete();
    });
    if (this.paused) {
      this.paused = false;
      this.hooks.resume();
    }
    this.hooks.answered();
  }

  private fail(code: string, message: string): void {
    if (this.done) return;
    this.done = true;
    this.release();
    this.hooks.failed(code, message);
  }

  private progress(audioMs: number): void {
    this.processedMs = Math.max(this.processedMs, audioMs);
    if (this.paused && this.clock.receivedMs - this.processedMs < this.engine.options.ingestHighWaterMs / 2) {
      this.paused = false;
      this.hooks.resume();
    }
  }

  private release(): void {
    const graph = this.graph;
    this.graph = null;
    this.input?.complete();
    this.input = null;
    graph?.unsubscribe();
    if (this.paused) {
      this.paused = false;
      this.hooks.resume();
    }
  }
}
