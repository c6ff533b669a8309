import { float32ToInt16, int16ToFloat32, resample } from '../audio/index.ts';
import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';

/**
 * Remembers the audio of recent sentences at each rate asked for: command replies repeat ("Turning on the
 * kitchen lights."), and re-synthesizing one costs tens of ms of CPU, and resampling it to the client's
 * rate a few more on the event loop (15 % of it at 100 sessions before this cache kept resampled audio),
 * that a cache hit does not. Least recently used entries go first once `maxEntries` is reached. Several voices
 * may share one store (each with its own `keyPrefix`), so that the bound holds for all of them together.
 */
export class CachedTts implements TtsEngine {
  hits = 0;
  misses = 0;

  constructor(
    private readonly engine: TtsEngine,
    private readonly maxEntries = 512,
    private readonly cache = new Map<string, Promise<SynthesizedSpeech>>(),
    private readonly keyPrefix = '',
  ) {}

  get sampleRate(): number {
    return this.engine.sampleRate;
  }

  synthesize(text: string, signal?: AbortSignal, sampleRate?: number): Promise<SynthesizedSpeech> {
    const key = `${this.keyPrefix}${sampleRate ?? this.engine.sampleRate}\n${text}`;
    const known = this.cache.get(key);
    if (known) {
      this.hits++;
      this.cache.delete(key);
      this.cache.set(key, known);
      return known;
    }
    this.misses++;
    // Made without the caller's signal: an aborted reply must not poison the entry for later ones.
    const made = this.engine.synthesize(text).then((speech) => atRate(speech, sampleRate));
    this.cache.set(key, made);
    made.catch(() => this.cache.delete(key));
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    if (!signal) return made;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      made.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.engine.close();
  }
}

/** The speech at `sampleRate` (the whole sentence, so its end is flushed), or as it is. */
function atRate(speech: SynthesizedSpeech, sampleRate: number | undefined): SynthesizedSpeech {
  if (!sampleRate || sampleRate === speech.sampleRate || speech.pcm.length === 0) return speech;
  return {
    sampleRate,
    pcm: float32ToInt16(resample(int16ToFloat32(speech.pcm), speech.sampleRate, sampleRate)),
  };
}
