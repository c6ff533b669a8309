import { CachedTts } from './cachedTts.ts';
import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';
import { TtsError } from './ttsError.ts';
import { WorkerTts } from './workerTts.ts';

/** Options of {@link TtsPool.load}. */
export interface TtsPoolOptions {
  /** Worker threads that synthesize, each with its own espeak-ng (~90 MB resident), 1–8. Default 1. */
  workers: number;
  /**
   * The voices offered (espeak-ng names such as `en-us`, `en-gb`, `en-us+f3`), each checked at load with one
   * synthesis; the first is the default. Any voice may run in any worker: a voice costs no worker of its own.
   */
  voices: readonly string[];
  /** Sentences remembered, over all voices together (least recently used first out). Default 512. */
  cachedSentences: number;
}

/** Defaults of {@link TtsPoolOptions}. */
export const defaultTtsPoolOptions: TtsPoolOptions = {
  workers: 1,
  voices: ['en-us', 'en-gb', 'en-us+f3', 'en-us+m3'],
  cachedSentences: 512,
};

/**
 * A fixed pool of TTS worker threads shared by every voice and session: what a client's choice of voice can
 * cost is bounded at load (the workers, and one sentence cache for every offered voice), however many names it
 * tries.
 * A voice outside the offered set is not served ({@link voice} returns null) and starts nothing.
 */
export class TtsPool {
  private readonly byVoice: ReadonlyMap<string, CachedTts>;

  private constructor(
    private readonly workers: readonly WorkerTts[],
    /** The voices offered, the default first. */
    readonly voices: readonly string[],
    cachedSentences: number,
  ) {
    const store = new Map<string, Promise<SynthesizedSpeech>>();
    this.byVoice = new Map(
      voices.map((v) => [v, new CachedTts(new PooledVoice(this, v), cachedSentences, store, `${v}\n`)]),
    );
  }

  /**
   * Starts the workers and checks every voice with one synthesis.
   * @throws TypeError naming the bad option, or the voice that does not speak
   */
  static async load(options: Partial<TtsPoolOptions> = {}): Promise<TtsPool> {
    const o = { ...defaultTtsPoolOptions, ...options };
    checkTtsPoolOptions(o);
    const started = await Promise.allSettled(
      Array.from({ length: o.workers }, () => WorkerTts.load({ voice: o.voices[0] as string })),
    );
    const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const pool = new TtsPool(workers, [...o.voices], o.cachedSentences);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      await pool.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    for (const voice of o.voices) {
      try {
        await pool.speak('Ready.', voice);
      } catch (error) {
        await pool.close();
        throw new TypeError(`TTS voice ${JSON.stringify(voice)} does not speak: ${(error as Error).message}`);
      }
    }
    return pool;
  }

  /** The offered voice `name`, cached and shared by every session; null when it is not offered. */
  voice(name: string): TtsEngine | null {
    return this.byVoice.get(name) ?? null;
  }

  /** Output sample rate, Hz (espeak-ng's 22,050). */
  get sampleRate(): number {
    return (this.workers[0] as WorkerTts).sampleRate;
  }

  /** Synthesizes with `voice` in the worker with the fewest requests waiting. */
  speak(text: string, voice: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    let best: WorkerTts | undefined;
    for (const w of this.workers) if (!best || w.waiting < best.waiting) best = w;
    if (!best) return Promise.reject(new TtsError('VX_TTS_CLOSED', 'the TTS pool is closed'));
    return best.speak(text, voice, signal);
  }

  /** Stops every worker; idempotent. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }
}

/** One voice of a pool as a {@link TtsEngine}; closing it leaves the pool running. */
class PooledVoice implements TtsEngine {
  constructor(
    private readonly pool: TtsPool,
    private readonly name: string,
  ) {}

  get sampleRate(): number {
    return this.pool.sampleRate;
  }

  synthesize(text: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.pool.speak(text, this.name, signal);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function checkTtsPoolOptions(o: TtsPoolOptions): void {
  if (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > 8)
    throw new TypeError(`TTS option workers must be an integer in [1, 8], got ${String(o.workers)}`);
  if (
    !Array.isArray(o.voices) ||
    o.voices.length === 0 ||
    o.voices.length > 64 ||
    !o.voices.every((v) => typeof v === 'string' && /^[A-Za-z0-9_-]+(?:\/[\w-]+)?(?:\+[\w-]+)?$/.test(v))
  )
    throw new TypeError('TTS option voices must be 1–64 espeak-ng voice names such as en-us or en-us+f3');
  if (!Number.isInteger(o.cachedSentences) || o.cachedSentences < 1)
    throw new TypeError(
      `TTS option cachedSentences must be a positive integer, got ${String(o.cachedSentences)}`,
    );
}
