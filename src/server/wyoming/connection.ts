import type { Socket } from 'node:net';
import { EventReader, WyomingError, type WyomingEvent, encodeEvent } from '../../protocol/wyoming/index.ts';
import { converse } from './conversation.ts';
import { WyomingMetrics } from './metrics.ts';
import type { WyomingServices } from './services.ts';
import { SpeechInput } from './speechInput.ts';
import { Synthesis } from './synthesis.ts';

type State = 'open' | 'closing' | 'closed';

/** Events waiting while an asynchronous one is handled; the socket is paused meanwhile, so this bounds little. */
const maxBacklog = 1024;

const text = (data: Readonly<Record<string, unknown>>, event: string): string => {
  const value = data['text'];
  if (typeof value !== 'string') throw new WyomingError('VX_WY_BAD_DATA', `${event}.text must be a string`);
  return value;
};

/**
 * One Wyoming TCP connection: reads events, answers `describe`, speech to text (over the shared session graph),
 * conversation turns and text to speech, one request at a time in the order they came, and closes on a framing
 * error, a limit, or the peer's close. Events are handled in order: while one waits (a context loading, a
 * synthesis), the socket is paused and later events wait behind it.
 */
export class WyomingConnection {
  private state: State = 'open';
  private readonly reader: EventReader;
  private readonly backlog: WyomingEvent[] = [];
  private busy = false;
  private readonly speech: SpeechInput;
  /** Whether the transcription paused the socket (audio waits for the models). */
  private transcriptionPaused = false;
  private stream: Synthesis | null = null;
  /** A plain `synthesize` under way, cancelled if the connection closes. */
  private plain: Synthesis | null = null;
  private readonly limitTimer: NodeJS.Timeout;
  private readonly openedAt = performance.now();
  private lastActivity = performance.now();

  constructor(
    private readonly socket: Socket,
    private readonly services: WyomingServices,
    private readonly closed: (connection: WyomingConnection, reason: string) => void,
  ) {
    const o = services.engine.options;
    this.reader = new EventReader(services.options);
    this.speech = new SpeechInput(services, {
      send: (type, data) => this.send(type, data),
      error: (code, message) => this.sendError(code, message),
      pause: () => {
        this.transcriptionPaused = true;
        this.socket.pause();
      },
      resume: () => {
        this.transcriptionPaused = false;
        if (!this.busy && this.state === 'open') this.socket.resume();
      },
      open: () => this.state === 'open',
    });
    this.limitTimer = setInterval(
      () => this.checkLimits(),
      Math.max(20, Math.min(1000, o.idleTimeoutMs / 4, o.maxSessionMs / 4)),
    );
    this.limitTimer.unref();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.teardown(this.reader.midEvent ? 'stopped_mid_event' : 'normal'));
    socket.on('close', () => this.teardown(this.reader.midEvent ? 'stopped_mid_event' : 'normal'));
    socket.on('error', () => this.teardown('socket_error'));
  }

  /** Ends the connection now with `VX_SHUTTING_DOWN`. */
  shutdown(): void {
    this.fail(new WyomingError('VX_SHUTTING_DOWN', 'the server is shutting down'));
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.lastActivity = performance.now();
    let events: WyomingEvent[];
    try {
      events = this.reader.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.backlog.push(...events);
    if (this.backlog.length > maxBacklog) {
      this.fail(new WyomingError('VX_BACKPRESSURE', `more than ${maxBacklog} events waiting`));
      return;
    }
    this.pump();
  }

  /** Handles waiting events in order; an asynchronous one pauses the socket until it is done. */
  private pump(): void {
    while (!this.busy && this.state === 'open' && this.backlog.length > 0) {
      const event = this.backlog.shift() as WyomingEvent;
      let pending: Promise<void> | undefined;
      try {
        pending = this.handle(event);
      } catch (error) {
        this.report(error);
        continue;
      }
      if (pending) {
        this.busy = true;
        this.socket.pause();
        pending
          .catch((error: unknown) => this.report(error))
          .finally(() => {
            this.busy = false;
            if (this.state !== 'open') return;
            if (!this.transcriptionPaused) this.socket.resume();
            this.pump();
          });
      }
    }
  }

  private handle(event: WyomingEvent): Promise<void> | undefined {
    const { data } = event;
    switch (event.type) {
      case 'describe':
        this.count('describe');
        return this.services.info().then((info) => this.send('info', info));
      case 'ping':
        this.send('pong', typeof data['text'] === 'string' ? { text: data['text'] } : {});
        return undefined;
      case 'transcribe':
        this.speech.transcribe(data);
        return undefined;
      case 'audio-start':
        return this.speech.start(data);
      case 'audio-chunk':
        this.speech.chunk(event);
        return undefined;
      case 'audio-stop':
        this.speech.stop();
        return undefined;
      case 'transcript':
      case 'recognize':
        this.count('recognize');
        return this.converse(text(data, event.type));
      case 'synthesize':
        // During a streamed synthesis this is the whole text again, for servers that do not stream: not spoken twice.
        if (this.stream) return undefined;
        this.count('synthesize');
        return this.synthesizer(data['voice']).then((s) => {
          this.plain = s;
          return s.speak(text(data, 'synthesize')).finally(() => (this.plain = null));
        });
      case 'synthesize-start':
        this.count('synthesize_stream');
        this.stream?.cancel();
        return this.synthesizer(data['voice']).then((s) => void (this.stream = s));
      case 'synthesize-chunk':
        if (!this.stream)
          throw new WyomingError('VX_WY_BAD_DATA', 'synthesize-chunk before synthesize-start');
        this.stream.add(text(data, 'synthesize-chunk'));
        return undefined;
      case 'synthesize-stop': {
        const stream = this.stream;
        if (!stream) throw new WyomingError('VX_WY_BAD_DATA', 'synthesize-stop before synthesize-start');
        return stream.end().finally(() => {
          if (this.stream === stream) this.stream = null;
        });
      }
      default:
        // As the reference servers do: events of other services (wake, satellite) are not ours to answer.
        return undefined;
    }
  }

  private async converse(said: string): Promise<void> {
    const answer = converse(said, await this.services.conversationContexts());
    this.send(answer.type, answer.data);
  }

  private async synthesizer(voiceData: unknown): Promise<Synthesis> {
    const { options, engine, voices } = this.services;
    let name = voices[0] as string;
    if (voiceData !== undefined && voiceData !== null) {
      const wanted =
        typeof voiceData === 'object' ? (voiceData as Record<string, unknown>)['name'] : undefined;
      if (wanted !== undefined && wanted !== null) {
        if (typeof wanted !== 'string' || !voices.includes(wanted))
          throw new WyomingError(
            'VX_WY_UNKNOWN_VOICE',
            `voice ${String(wanted)} is not offered (${voices.join(', ')})`,
          );
        name = wanted;
      }
    }
    const voice = await engine.voice(name).catch((error: unknown) => {
      // Every voice offered is the runtime's (checked at start); this is a voice that failed since.
      throw new WyomingError(
        'VX_WY_UNKNOWN_VOICE',
        `voice ${name} is not available: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    });
    return new Synthesis(voice, options.samplesPerChunk, { send: (t, d, p) => this.send(t, d, p) });
  }

  private count(kind: string): void {
    this.services.metrics.count(kind);
  }

  private send(type: string, data: Record<string, unknown>, payload?: Uint8Array): void {
    if (this.state !== 'open') return;
    if (this.socket.writableLength > this.services.engine.options.maxUnsentBytes) {
      this.fail(new WyomingError('VX_BACKPRESSURE', 'the client is not reading what the server sends'));
      return;
    }
    this.lastActivity = performance.now();
    this.socket.write(encodeEvent(type, data, payload));
  }

  private sendError(code: string, message: string): void {
    this.services.metrics.errors.inc({ code, ...WyomingMetrics.transport });
    this.send('error', { text: message, code });
  }

  /** Reports an error: a Wyoming error that does not close is sent and the connection goes on. */
  private report(error: unknown): void {
    if (error instanceof WyomingError && !error.closes) this.sendError(error.code, error.message);
    else this.fail(error);
  }

  /** Sends the error and closes. */
  private fail(error: unknown): void {
    if (this.state !== 'open') return;
    const wy =
      error instanceof WyomingError
        ? error
        : new WyomingError('VX_INTERNAL', 'internal error', { cause: error });
    if (!(error instanceof WyomingError))
      this.services.engine.log.warn('wyoming connection failed', {
        error: String((error as Error)?.stack ?? error),
      });
    this.sendError(wy.code, wy.message);
    this.close(wy.code);
  }

  private checkLimits(): void {
    const o = this.services.engine.options;
    const now = performance.now();
    if (now - this.openedAt >= o.maxSessionMs)
      this.fail(
        new WyomingError('VX_SESSION_TIME_LIMIT', `the connection reached its limit of ${o.maxSessionMs} ms`),
      );
    else if (now - this.lastActivity >= o.idleTimeoutMs && !this.busy)
      this.fail(new WyomingError('VX_IDLE_TIMEOUT', `nothing was sent either way for ${o.idleTimeoutMs} ms`));
  }

  /** Ends the socket once what was written is flushed, destroying it if that stalls. */
  private close(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), this.services.engine.options.closeTimeoutMs);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
    this.release(reason);
  }

  private teardown(reason: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.socket.destroy();
    this.release(reason);
    this.state = 'closed';
  }

  private released = false;

  private release(reason: string): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.limitTimer);
    this.speech.close();
    this.stream?.cancel();
    this.stream = null;
    this.plain?.cancel();
    this.plain = null;
    this.backlog.length = 0;
    this.services.metrics.connections.inc({ end: reason, ...WyomingMetrics.transport });
    this.closed(this, reason);
  }
}
