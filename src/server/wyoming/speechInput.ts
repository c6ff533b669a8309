import { TokenBucket } from '../tokenBucket.ts';
import { type AudioFormat, audioFormat, monoPcm } from './audioFormat.ts';
import { WyomingError, type WyomingEvent } from '../../protocol/wyoming/index.ts';
import type { WyomingServices } from './services.ts';
import { Transcription } from './transcription.ts';

/** What a connection's speech input tells it. */
export interface SpeechInputHooks {
  send(type: string, data: Record<string, unknown>): void;
  /** An error of the shared pipeline ended the request. */
  error(code: string, message: string): void;
  /** Stop reading the socket until `resume` (audio waits for the models). */
  pause(): void;
  resume(): void;
  /** Whether the connection is still open (a context may load after it closed). */
  open(): boolean;
}

const optionalString = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new WyomingError('VX_WY_BAD_DATA', `${field} must be a string`);
  return value;
};

/** Reports of audio without `audio-start` before they are only dropped: a client streaming so would flood errors. */
const maxBadAudioReports = 3;

/**
 * The speech-to-text side of one connection: `transcribe` (model and language), `audio-start` (its format),
 * `audio-chunk`s (checked, downmixed, held to real time plus the burst allowance) and `audio-stop`, over one
 * {@link Transcription} at a time.
 */
export class SpeechInput {
  private request: { name: string | undefined; language: string } | null = null;
  private transcription: Transcription | null = null;
  private audio: AudioFormat | null = null;
  private badAudio = 0;
  private readonly allowance: TokenBucket;

  constructor(
    private readonly services: WyomingServices,
    private readonly hooks: SpeechInputHooks,
  ) {
    this.allowance = new TokenBucket(1, services.engine.options.audioBurstMs);
  }

  /** `transcribe {name?, language?}`: for the next `audio-start`. */
  transcribe(data: Readonly<Record<string, unknown>>): void {
    this.request = {
      name: optionalString(data['name'], 'transcribe.name'),
      language: optionalString(data['language'], 'transcribe.language') ?? 'en',
    };
  }

  /** `audio-start`: a new transcription in the context the request names (or the default). */
  async start(data: Readonly<Record<string, unknown>>): Promise<void> {
    const format = audioFormat(data, 'audio-start');
    this.close();
    const request = this.request ?? { name: undefined, language: 'en' };
    this.request = null;
    this.services.metrics.count('transcribe');
    const context = await this.services.transcriptionContext(request.name);
    if (!this.hooks.open()) return;
    this.audio = format;
    const transcription: Transcription = new Transcription(
      this.services.engine,
      { context, sampleRate: format.rate, streaming: true, language: request.language },
      {
        send: (type, data) => this.hooks.send(type, data),
        failed: (code, message) => {
          this.hooks.error(code, message);
          if (this.transcription === transcription) this.transcription = null;
        },
        answered: () => {
          // Answered after audio-stop: the request is over. Before it: later chunks are dropped until then.
          if (this.transcription === transcription && this.audio === null) this.transcription = null;
        },
        pause: () => this.hooks.pause(),
        resume: () => this.hooks.resume(),
        graphOpened: () => this.services.graphOpened(),
        graphReleased: () => this.services.graphReleased(),
      },
    );
    this.transcription = transcription;
  }

  /** `audio-chunk`: checked against the `audio-start` format, downmixed to mono, passed on. */
  chunk(event: WyomingEvent): void {
    const transcription = this.transcription;
    const format = this.audio;
    if (!transcription || !format) {
      if (++this.badAudio <= maxBadAudioReports)
        throw new WyomingError('VX_WY_BAD_DATA', 'audio-chunk without audio-start was dropped');
      return;
    }
    if (transcription.answered) return;
    const chunkFormat = audioFormat({ ...format, ...event.data }, 'audio-chunk');
    if (chunkFormat.rate !== format.rate || chunkFormat.channels !== format.channels)
      throw new WyomingError('VX_WY_BAD_DATA', 'audio-chunk format differs from audio-start');
    const pcm = monoPcm(event.payload, format);
    if (!this.allowance.take((pcm.byteLength / 2 / format.rate) * 1000)) {
      const burst = this.services.engine.options.audioBurstMs;
      throw new WyomingError('VX_AUDIO_RATE_EXCEEDED', `audio more than ${burst} ms ahead of real time`);
    }
    transcription.push(pcm);
  }

  /** `audio-stop`: the transcript follows (at once if it went out already). */
  stop(): void {
    this.transcription?.stop();
    if (this.transcription?.answered) this.transcription = null;
    this.audio = null;
  }

  /** Drops the transcription under way, if any. */
  close(): void {
    this.transcription?.close();
    this.transcription = null;
    this.audio = null;
  }
}
