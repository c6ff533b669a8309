/** Synthesized speech: mono 16-bit PCM. */
export interface SynthesizedSpeech {
  /** Sample rate of `pcm` in Hz. */
  sampleRate: number;
  /** Mono signed 16-bit samples. Empty when the text had nothing to say. */
  pcm: Int16Array;
}

/** A text-to-speech engine that turns one sentence (or a short reply) into PCM. */
export interface TtsEngine {
  /** Sample rate in Hz of every {@link SynthesizedSpeech} this engine returns. */
  readonly sampleRate: number;
  /**
   * Synthesizes `text`. Rejects with the signal's reason when `signal` aborts before the audio is
   * returned, and with a `TtsError` for bad text or a failed synthesis. `sampleRate` is a wish: an engine
   * may return its own rate instead (the reply encoder resamples).
   */
  synthesize(text: string, signal?: AbortSignal, sampleRate?: number): Promise<SynthesizedSpeech>;
  /** Frees the engine's resources; idempotent. Later `synthesize` calls reject. */
  close(): Promise<void>;
}
