import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EspeakInstance } from './espeakInstance.ts';
import { sanitizeTtsText } from './sanitizeText.ts';
import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';
import { TtsError } from './ttsError.ts';
import { readWavPcm16, type WavPcm16 } from './wavPcm16.ts';
import { wasmApi, type WasmModule } from './wasmApi.ts';

/** Options of {@link EspeakTts.load}. */
export interface EspeakTtsOptions {
  /** espeak-ng voice name, e.g. `en-us`, `en-gb`, `en-us+f3`. Default `en-us`. */
  voice?: string;
  /** Speaking rate in words per minute, 80–450. Default 175. */
  speedWpm?: number;
  /**
   * Number of pre-initialised synthesizer instances kept ready, 0–8. Each holds a 32 MiB WASM heap.
   * 0 creates one per request (still sharing the compiled module). Default 2.
   */
  poolSize?: number;
  /** Requests allowed to wait for an instance when the pool is empty; more reject with `VX_TTS_BUSY`. Default 16. */
  maxWaiting?: number;
}

/** Defaults of {@link EspeakTtsOptions}. */
export const defaultEspeakTtsOptions: Readonly<Required<EspeakTtsOptions>> = {
  voice: 'en-us',
  speedWpm: 175,
  poolSize: 2,
  maxWaiting: 16,
};

const IN_PATH = '/in.txt';
const OUT_PATH = '/out.wav';
const VOICE_PATTERN = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)?(?:\+[A-Za-z0-9_-]+)?$/;
// Lines the Emscripten glue prints when main calls exit(); noise in error messages.
const GLUE_EXIT_NOTICE = /^program exited \(with status/;

interface Waiter {
  resolve(instance: EspeakInstance): void;
  reject(error: unknown): void;
}

/**
 * Text-to-speech with espeak-ng compiled to WASM (22,050 Hz mono output).
 *
 * The WASM binary is compiled once per engine and each request runs `main` in a fresh instance
 * (espeak-ng keeps global state, so instances are single-use). Instances are created and their
 * runtime started ahead of time in a small pool, so a request only writes its text, runs `main`
 * and reads the WAV; the pool is refilled in the background.
 *
 * `main` runs synchronously on the calling thread (tens of ms for a sentence), and so does the
 * start-up of a refilling instance, so an abort takes effect only before or after `main`.
 */
export class EspeakTts implements TtsEngine {
  readonly #wasm: WasmModule;
  readonly #options: Readonly<Required<EspeakTtsOptions>>;
  readonly #ready: EspeakInstance[] = [];
  readonly #waiters: Waiter[] = [];
  #creating = 0;
  #closed = false;
  #sampleRate = 0;

  private constructor(wasm: WasmModule, options: Readonly<Required<EspeakTtsOptions>>) {
    this.#wasm = wasm;
    this.#options = options;
  }

  /**
   * Compiles espeak-ng, checks the voice with one synthesis and fills the pool.
   *
   * @throws TypeError naming the bad field when an option is invalid or the voice does not exist.
   */
  static async load(options: EspeakTtsOptions = {}): Promise<EspeakTts> {
    const merged = validateOptions({ ...defaultEspeakTtsOptions, ...options });
    const wasm = await wasmApi.compile(await readFile(espeakWasmPath()));
    const tts = new EspeakTts(wasm, merged);
    // The probe also compiles the WASM functions synthesis uses (V8 compiles lazily, once per module).
    const probe = runEspeak(await EspeakInstance.create(wasm), 'Ready.', merged);
    if (probe.status !== 0 || probe.wav === undefined) {
      throw new TypeError(`voice: espeak-ng cannot speak with voice '${merged.voice}' (${probe.log})`);
    }
    tts.#sampleRate = probe.wav.sampleRate;
    await tts.#fill();
    return tts;
  }

  /** Output sample rate in Hz (22,050 for espeak-ng). */
  get sampleRate(): number {
    return this.#sampleRate;
  }

  /**
   * Synthesizes `text` (at most 1,000 characters; control characters are spoken as spaces).
   *
   * @throws TtsError `VX_TTS_TEXT` for bad text, `VX_TTS_FAILED`, `VX_TTS_CLOSED` or `VX_TTS_BUSY`;
   *   the signal's reason when it aborts first.
   */
  synthesize(text: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.speak(text, this.#options.voice, signal);
  }

  /**
   * Synthesizes `text` as {@link synthesize} does, with another voice than the engine's: espeak-ng loads a
   * voice per run, so one engine (and its pool) serves every voice.
   *
   * @throws TtsError `VX_TTS_TEXT` for a voice that is not a voice name, as for bad text; else as {@link synthesize}
   */
  async speak(text: string, voice: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    signal?.throwIfAborted();
    if (typeof voice !== 'string' || !VOICE_PATTERN.test(voice))
      throw new TtsError('VX_TTS_TEXT', `not a voice name: ${JSON.stringify(String(voice).slice(0, 40))}`);
    if (this.#closed) throw new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed');
    const clean = sanitizeTtsText(text);
    if (clean === '') return { sampleRate: this.#sampleRate, pcm: new Int16Array(0) };
    const instance = await this.#acquire(signal);
    if (signal?.aborted) {
      this.#adopt(instance);
      signal.throwIfAborted();
    }
    let result: EspeakResult;
    try {
      result = runEspeak(instance, clean, { ...this.#options, voice });
    } catch (error) {
      throw new TtsError('VX_TTS_FAILED', 'espeak-ng crashed', { cause: error });
    }
    const { status, log, wav } = result;
    if (status !== 0) throw new TtsError('VX_TTS_FAILED', `espeak-ng exited with status ${status}: ${log}`);
    if (wav === undefined) throw new TtsError('VX_TTS_FAILED', `espeak-ng wrote no 16-bit mono WAV: ${log}`);
    // main is synchronous, so an abort that came while it ran is honoured here.
    signal?.throwIfAborted();
    return wav;
  }

  /** Drops the pool and rejects requests waiting for an instance; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.length = 0;
    const error = new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed');
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Takes a ready instance, or waits for one; starts refilling the pool either way. */
  #acquire(signal: AbortSignal | undefined): Promise<EspeakInstance> {
    if (this.#closed) return Promise.reject(new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed'));
    const ready = this.#ready.shift();
    if (ready !== undefined) {
      this.#refill();
      return Promise.resolve(ready);
    }
    if (this.#waiters.length >= this.#options.maxWaiting) {
      return Promise.reject(
        new TtsError('VX_TTS_BUSY', `${this.#waiters.length} requests already wait for a synthesizer`),
      );
    }
    return new Promise<EspeakInstance>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        resolve: (instance) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(instance);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#refill();
    });
  }

  /** Starts creating instances until the pool plus the waiting requests are covered. */
  #refill(): void {
    const target = this.#options.poolSize + this.#waiters.length;
    while (!this.#closed && this.#ready.length + this.#creating < target) {
      this.#creating++;
      EspeakInstance.create(this.#wasm).then(
        (instance) => {
          this.#creating--;
          this.#adopt(instance);
        },
        (error: unknown) => {
          this.#creating--;
          // Fail the waiters rather than retry: a failing start-up (e.g. out of memory) would loop.
          const failure = new TtsError('VX_TTS_FAILED', 'espeak-ng failed to start', { cause: error });
          for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
        },
      );
    }
  }

  /** Hands an unused instance to the oldest waiter, or keeps it in the pool if there is room. */
  #adopt(instance: EspeakInstance): void {
    if (this.#closed || instance.used) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(instance);
    else if (this.#ready.length < this.#options.poolSize) this.#ready.push(instance);
  }

  /** Fills the pool and resolves once it is full (used at load so the first request is fast). */
  async #fill(): Promise<void> {
    while (!this.#closed && this.#ready.length < this.#options.poolSize) {
      const instance = await EspeakInstance.create(this.#wasm);
      this.#adopt(instance);
    }
  }
}

interface EspeakResult {
  /** Exit status of espeak-ng's main. */
  status: number;
  /** What espeak-ng printed, one line per `; `. */
  log: string;
  wav: WavPcm16 | undefined;
}

/** Runs espeak-ng once on `text` in `instance` and reads its WAV output. */
function runEspeak(
  instance: EspeakInstance,
  text: string,
  options: Required<EspeakTtsOptions>,
): EspeakResult {
  instance.writeFile(IN_PATH, text);
  // The text travels in a file, never on the command line, so it cannot inject options.
  const status = instance.run([
    '-v',
    options.voice,
    '-s',
    String(options.speedWpm),
    '-f',
    IN_PATH,
    '-w',
    OUT_PATH,
  ]);
  const log = instance.log
    .split('\n')
    .filter((line) => line !== '' && !GLUE_EXIT_NOTICE.test(line))
    .join('; ');
  const bytes = status === 0 ? instance.readFile(OUT_PATH) : undefined;
  return { status, log, wav: bytes && readWavPcm16(bytes) };
}

function espeakWasmPath(): string {
  // The package has no `exports` map; its WASM file sits next to its main file.
  return join(dirname(createRequire(import.meta.url).resolve('espeak-ng')), 'espeak-ng.wasm');
}

function validateOptions(options: Required<EspeakTtsOptions>): Readonly<Required<EspeakTtsOptions>> {
  const { voice, speedWpm, poolSize, maxWaiting } = options;
  if (typeof voice !== 'string' || !VOICE_PATTERN.test(voice)) {
    throw new TypeError(`voice: expected a voice name such as 'en-us', got ${JSON.stringify(voice)}`);
  }
  if (!Number.isInteger(speedWpm) || speedWpm < 80 || speedWpm > 450) {
    throw new TypeError(`speedWpm: expected an integer from 80 to 450, got ${speedWpm}`);
  }
  if (!Number.isInteger(poolSize) || poolSize < 0 || poolSize > 8) {
    throw new TypeError(`poolSize: expected an integer from 0 to 8, got ${poolSize}`);
  }
  if (!Number.isInteger(maxWaiting) || maxWaiting < 1) {
    throw new TypeError(`maxWaiting: expected a positive integer, got ${maxWaiting}`);
  }
  return Object.freeze({ voice, speedWpm, poolSize, maxWaiting });
}
