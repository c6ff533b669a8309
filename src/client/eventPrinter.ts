import { performance } from 'node:perf_hooks';
import type { ClientEvent, ReceivedMessage } from './events.ts';

/** Options of {@link EventPrinter}. */
export interface EventPrinterOptions {
  /** One JSON object per line instead of human-readable lines. Default false. */
  json: boolean;
  /** Where lines go (without the newline). Default: `process.stdout`. */
  write: (line: string) => void;
  /** Time zero of the printed times (`performance.now()`, ms). Default: when the printer is made. */
  origin: number;
}

/** Reply audio seen so far for one utterance. */
interface AudioTally {
  frames: number;
  bytes: number;
  firstAt: number;
  lastAt: number;
}

/** Latencies measured from the moment the last non-silent audio was sent, in ms; null when not seen. */
export interface ObservedLatency {
  /** `performance.now()` when the last non-silent chunk was sent, or null when not marked. */
  readonly speechEndSentAt: number | null;
  /** First `intent` after that mark, in ms after it. */
  readonly intentMs: number | null;
  /** First reply audio frame after that mark, in ms after it. */
  readonly firstAudioMs: number | null;
}

const quote = (text: string): string => JSON.stringify(text);

/**
 * Prints client events as they arrive: human-readable lines (`  1.234s  intent #1 ...`) or JSON lines
 * (`{"t":1234.5,"type":"intent",...}` with `t` in ms since `origin`). Reply audio frames are never dumped: in
 * human mode the first frame of a reply gets a line, in JSON mode one `{"type":"audio",frames,bytes,...}`
 * summary precedes `tts_end` / `tts_interrupted`.
 */
export class EventPrinter {
  private readonly options: EventPrinterOptions;
  private readonly tallies = new Map<number, AudioTally>();
  private speechEndSentAt: number | null = null;
  private intentAt: number | null = null;
  private firstAudioAt: number | null = null;

  /** @param options - merged over the defaults listed on {@link EventPrinterOptions} */
  constructor(options: Partial<EventPrinterOptions> = {}) {
    this.options = {
      json: false,
      write: (line) => void process.stdout.write(`${line}\n`),
      origin: performance.now(),
      ...options,
    };
  }

  /** Records when the last non-silent audio was sent, the reference of {@link latency}. */
  markSpeechEndSent(at: number): void {
    this.speechEndSentAt = at;
  }

  /** Latencies seen so far. */
  get latency(): ObservedLatency {
    const since = (at: number | null): number | null =>
      at === null || this.speechEndSentAt === null ? null : at - this.speechEndSentAt;
    return {
      speechEndSentAt: this.speechEndSentAt,
      intentMs: since(this.intentAt),
      firstAudioMs: since(this.firstAudioAt),
    };
  }

  /** Prints one event (audio frames are tallied, not printed one by one). */
  print(event: ClientEvent): void {
    const afterMark = this.speechEndSentAt !== null && event.receivedAt >= this.speechEndSentAt;
    if (event.type === 'intent' && afterMark) this.intentAt ??= event.receivedAt;
    if (event.type === 'audio') {
      if (afterMark) this.firstAudioAt ??= event.receivedAt;
      this.tally(event.utterance, event.bytes.byteLength, event.receivedAt);
      return;
    }
    if (event.type === 'tts_end' || event.type === 'tts_interrupted') {
      const tally = this.tallies.get(event.utterance);
      this.tallies.delete(event.utterance);
      if (this.options.json && tally !== undefined) {
        this.line(tally.lastAt, {
          type: 'audio',
          utterance: event.utterance,
          frames: tally.frames,
          bytes: tally.bytes,
          firstT: this.t(tally.firstAt),
        });
      }
      if (!this.options.json) {
        this.human(event.receivedAt, this.describeTtsEnd(event, tally));
        return;
      }
    }
    if (this.options.json) {
      const { receivedAt, ...fields } = event;
      this.line(receivedAt, fields);
    } else if (event.type === 'failover') {
      const lost =
        event.lost.length === 0 ? '' : `, lost utterance(s) ${event.lost.map((u) => `#${u}`).join(' ')}`;
      this.human(
        event.receivedAt,
        event.connection === null
          ? `failover gave up after close ${event.closeCode} (${event.attempts} attempts)${lost}`
          : `failover after close ${event.closeCode}: connection ${event.connection} (session ${event.session}), sent ${event.resentMs} ms again${lost}`,
      );
    } else {
      this.human(
        event.receivedAt,
        event.type === 'bad_message' ? `bad_message ${event.reason}: ${event.excerpt}` : this.describe(event),
      );
    }
  }

  /**
   * Prints a line that is not a server event (a summary, a client-side error).
   * @param type - its `type` field / first word
   * @param fields - JSON fields, or the human text
   */
  note(type: string, fields: Record<string, unknown>, text: string): void {
    const now = performance.now();
    if (this.options.json) this.line(now, { type, ...fields });
    else this.human(now, `${type} ${text}`);
  }

  private tally(utterance: number, bytes: number, at: number): void {
    const tally = this.tallies.get(utterance);
    if (tally !== undefined) {
      tally.frames++;
      tally.bytes += bytes;
      tally.lastAt = at;
      return;
    }
    this.tallies.set(utterance, { frames: 1, bytes, firstAt: at, lastAt: at });
    if (!this.options.json)
      this.human(at, `audio #${utterance} first frame (${bytes} bytes)${this.since(at)}`);
  }

  private describeTtsEnd(
    event: Extract<ReceivedMessage, { type: 'tts_end' | 'tts_interrupted' }>,
    tally: AudioTally | undefined,
  ): string {
    const frames = tally?.frames ?? 0;
    const received = tally?.bytes ?? 0;
    if (event.type === 'tts_interrupted') return `tts_interrupted #${event.utterance} after ${frames} frames`;
    const mismatch = received === event.bytes ? '' : ` (received ${received}!)`;
    return `tts_end #${event.utterance} ${event.bytes} bytes${mismatch} in ${frames} frames`;
  }

  private describe(event: ReceivedMessage): string {
    switch (event.type) {
      case 'ready': {
        const reply = event.reply.enabled ? `${event.reply.encoding}@${event.reply.sampleRate}` : 'text only';
        return (
          `ready session=${event.session} context=${event.context.name} (${event.context.intents.length} intents)` +
          ` audio=${event.audio.encoding}@${event.audio.sampleRate} reply=${reply}`
        );
      }
      case 'speech_start':
      case 'speech_end':
        return `${event.type} #${event.utterance} at ${(event.atMs / 1000).toFixed(3)} s`;
      case 'final':
        return `final #${event.utterance} ${quote(event.text)}${event.denoised ? ' (denoised)' : ''}`;
      case 'partial':
      case 'reply':
        return `${event.type} #${event.utterance} ${quote(event.text)}`;
      case 'intent': {
        const confidence = `(confidence ${event.confidence.toFixed(2)})`;
        if (!event.understood || event.intent === null) {
          return `intent #${event.utterance} not understood ${confidence}${this.since(event.receivedAt)}`;
        }
        const slots = Object.entries(event.slots).map(([name, value]) => ` ${name}=${quote(value)}`);
        return `intent #${event.utterance} ${event.intent}${slots.join('')} ${confidence}${this.since(event.receivedAt)}`;
      }
      case 'tts_start':
        return `tts_start #${event.utterance} ${event.encoding}@${event.sampleRate}`;
      case 'metrics': {
        const stages = Object.entries(event.stages).map(
          ([stage, ms]) => ` ${stage}=${Math.round(ms)}ms${event.exceeded.includes(stage) ? '!' : ''}`,
        );
        return `metrics #${event.utterance}${stages.join('')}`;
      }
      case 'budget_exceeded':
        return `budget_exceeded #${event.utterance} ${event.stage} ${Math.round(event.ms)} ms > budget ${event.budgetMs} ms`;
      case 'error': {
        const where = event.utterance === undefined ? '' : ` #${event.utterance}`;
        return `error ${event.code}${event.fatal ? ' (fatal)' : ''}${where}: ${event.message}`;
      }
      case 'end':
        return `end after ${event.utterances} utterance(s)`;
      default:
        return event.type;
    }
  }

  private since(at: number): string {
    if (this.speechEndSentAt === null || at < this.speechEndSentAt) return '';
    return ` [+${Math.round(at - this.speechEndSentAt)} ms after speech end sent]`;
  }

  private t(at: number): number {
    return Math.round((at - this.options.origin) * 10) / 10;
  }

  private human(at: number, text: string): void {
    this.options.write(`${((at - this.options.origin) / 1000).toFixed(3).padStart(8)}s  ${text}`);
  }

  private line(at: number, fields: Record<string, unknown>): void {
    this.options.write(JSON.stringify({ t: this.t(at), ...fields }));
  }
}
