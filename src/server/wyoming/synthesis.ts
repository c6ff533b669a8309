import { splitSentences } from '../../tts/index.ts';
import { WyomingError } from '../../protocol/wyoming/index.ts';

/** A voice as synthesis uses it: one sentence to mono 16-bit PCM. */
export interface SentenceVoice {
  synthesize(text: string, signal?: AbortSignal): Promise<{ sampleRate: number; pcm: Int16Array }>;
}

/** What a synthesis sends through. */
export interface SynthesisHooks {
  send(type: string, data: Record<string, unknown>, payload?: Uint8Array): void;
}

/** Sentences a streaming synthesis may hold unsynthesized; more end it with `VX_WY_BAD_DATA`. */
const maxQueuedSentences = 64;

/** Where the text already received ends in a complete sentence (a terminator then whitespace), or 0. */
function completeUpTo(text: string): number {
  let end = 0;
  for (const m of text.matchAll(/[.!?…]+["'”’)\]]*\s+|\n+/g)) end = (m.index ?? 0) + m[0].length;
  return end;
}

/**
 * Text to speech for one Wyoming request. Plain (`synthesize`): one audio group (`audio-start`, `audio-chunk`s,
 * `audio-stop`) for the whole text, synthesized sentence by sentence. Streaming (`synthesize-start`,
 * `synthesize-chunk`s, `synthesize-stop`): each sentence goes out as its own audio group as soon as it is
 * complete and synthesized, in order, and `synthesize-stopped` ends the reply. Every group has the voice's
 * one format (rate, width 2, mono), so the first `audio-start` describes them all.
 */
export class Synthesis {
  private readonly abort = new AbortController();
  private pending = '';
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly voice: SentenceVoice,
    private readonly samplesPerChunk: number,
    private readonly hooks: SynthesisHooks,
  ) {}

  /** Plain `synthesize`: resolves once `audio-stop` is sent. */
  async speak(text: string): Promise<void> {
    const sentences = splitSentences(text);
    if (sentences.length === 0)
      throw new WyomingError('VX_WY_BAD_DATA', 'synthesize.text has nothing to say');
    let rate: number | null = null;
    for (const sentence of sentences) {
      const speech = await this.synthesize(sentence);
      if (rate === null) {
        rate = speech.sampleRate;
        this.emit('audio-start', { rate, width: 2, channels: 1 });
      }
      this.chunks(speech.pcm, rate);
    }
    this.emit('audio-stop', {});
  }

  /** `synthesize-chunk`: synthesizes the sentences it completes, in the background, in order. */
  add(text: string): void {
    this.pending += text;
    const end = completeUpTo(this.pending);
    if (end === 0) return;
    const complete = this.pending.slice(0, end);
    this.pending = this.pending.slice(end);
    for (const sentence of splitSentences(complete)) this.enqueue(sentence);
  }

  /** `synthesize-stop`: the rest of the text, then `synthesize-stopped`; rejects with the first failure. */
  async end(): Promise<void> {
    for (const sentence of splitSentences(this.pending)) this.enqueue(sentence);
    this.pending = '';
    await this.chain;
    this.emit('synthesize-stopped', {});
  }

  /** Stops synthesizing; nothing more is sent. */
  cancel(): void {
    this.abort.abort();
  }

  private enqueue(sentence: string): void {
    if (++this.queued > maxQueuedSentences) {
      this.chain = Promise.reject(
        new WyomingError('VX_WY_BAD_DATA', `more than ${maxQueuedSentences} sentences waiting to be spoken`),
      );
      this.chain.catch(() => undefined);
      return;
    }
    this.chain = this.chain.then(async () => {
      const speech = await this.synthesize(sentence);
      this.queued--;
      if (speech.pcm.length === 0) return;
      this.emit('audio-start', { rate: speech.sampleRate, width: 2, channels: 1 });
      this.chunks(speech.pcm, speech.sampleRate);
      this.emit('audio-stop', {});
    });
    // The failure is reported by `end`; until then it must not count as unhandled.
    this.chain.catch(() => undefined);
  }

  private async synthesize(sentence: string): Promise<{ sampleRate: number; pcm: Int16Array }> {
    try {
      return await this.voice.synthesize(sentence, this.abort.signal);
    } catch (error) {
      if (this.abort.signal.aborted) throw error;
      throw new WyomingError('VX_WY_TTS_FAILED', (error as Error).message, { cause: error });
    }
  }

  /** Sends through the hooks unless cancelled. */
  private emit(type: string, data: Record<string, unknown>, payload?: Uint8Array): void {
    if (!this.abort.signal.aborted) this.hooks.send(type, data, payload);
  }

  private chunks(pcm: Int16Array, rate: number): void {
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const step = this.samplesPerChunk * 2;
    for (let at = 0; at < bytes.byteLength && !this.abort.signal.aborted; at += step)
      this.emit('audio-chunk', { rate, width: 2, channels: 1 }, bytes.subarray(at, at + step));
  }
}
