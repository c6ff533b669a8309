import type { Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from '../threads/index.ts';
import type { EspeakTtsOptions } from './espeakTts.ts';
import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';
import { TtsError } from './ttsError.ts';

interface Pending {
  resolve(speech: SynthesizedSpeech): void;
  reject(error: unknown): void;
}

/** Requests allowed to wait for the worker; more reject with `VX_TTS_BUSY`. */
const maxPending = 64;

/**
 * espeak-ng in a worker thread: the same voices and output as {@link EspeakTts}, but synthesis (tens of ms
 * of synchronous WASM per sentence, plus pool refills) runs off the main thread, where it would otherwise
 * stall every other session's audio, VAD and recognition while it runs.
 */
export class WorkerTts implements TtsEngine {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly sampleRate: number,
  ) {
    worker.on(
      'message',
      (m: {
        id: number;
        sampleRate?: number;
        pcm?: Int16Array;
        error?: { message: string; code: string };
      }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        if (m.error)
          p.reject(
            new TtsError(m.error.code === 'VX_TTS_TEXT' ? 'VX_TTS_TEXT' : 'VX_TTS_FAILED', m.error.message),
          );
        else p.resolve({ sampleRate: m.sampleRate as number, pcm: m.pcm as Int16Array });
      },
    );
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new TtsError('VX_TTS_CLOSED', 'the TTS worker exited')));
    worker.unref();
  }

  /** Starts the worker and its voice; rejects if the voice cannot load. */
  static load(options: EspeakTtsOptions = {}): Promise<WorkerTts> {
    const worker = startTypeScriptWorker(new URL('./ttsWorker.ts', import.meta.url), options);
    return new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean; sampleRate?: number }) => {
        if (!m.ready) return;
        worker.off('error', onError);
        worker.off('message', onMessage);
        resolve(new WorkerTts(worker, m.sampleRate as number));
      };
      const onError = (error: Error) => {
        void worker.terminate();
        reject(
          new TypeError(
            `TTS voice ${JSON.stringify(options.voice ?? 'en-us')} failed to load: ${error.message}`,
          ),
        );
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  synthesize(text: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.request(text, undefined, signal);
  }

  /** Synthesizes `text` with `voice` (any voice name; espeak-ng loads it for the run), in the same worker. */
  speak(text: string, voice: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.request(text, voice, signal);
  }

  /** Requests waiting for the worker now. */
  get waiting(): number {
    return this.pending.size;
  }

  private request(text: string, voice: string | undefined, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    if (this.closed) return Promise.reject(new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.pending.size >= maxPending)
      return Promise.reject(new TtsError('VX_TTS_BUSY', `${maxPending} syntheses already waiting`));
    const id = this.nextId++;
    return new Promise<SynthesizedSpeech>((resolve, reject) => {
      const onAbort = () => {
        // The worker finishes the sentence anyway; its answer is dropped.
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      // Keep the process alive while a reply is being made, not while the worker idles.
      this.worker.ref();
      this.worker.postMessage(voice === undefined ? { id, text } : { id, text, voice });
    });
  }

  private failAll(error: unknown): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed'));
    await this.worker.terminate();
  }
}
