import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';

/**
 * Remembers the audio of recent sentences: command replies repeat ("Turning on the kitchen lights."),
 * and re-synthesizing one costs tens of ms of CPU that a cache hit does not. Least recently used entries
 * go first once `maxEntries` is reached.
 */
export class CachedTts implements TtsEngine {
  private readonly cache = new Map<string, Promise<SynthesizedSpeech>>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly engine: TtsEngine,
    private readonly maxEntries = 512,
  ) {}

  get sampleRate(): number {
    return this.engine.sampleRate;
  }

  synthesize(text: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    const known = this.cache.get(text);
    if (known) {
      this.hits++;
      this.cache.delete(text);
      this.cache.set(text, known);
      return known;
    }
    this.misses++;
    // Made without the caller's signal: an aborted reply must not poison the entry for later ones.
    const made = this.engine.synthesize(text);
    this.cache.set(text, made);
    made.catch(() => this.cache.delete(text));
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
