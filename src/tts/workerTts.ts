import { type RemoteError, WorkerRpc, WorkerRpcError } from '../threads/index.ts';
import type { EspeakTtsOptions } from './espeakTts.ts';
import type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';
import { TtsError } from './ttsError.ts';

/** One synthesis asked of the TTS worker. */
export interface SpeakRequest {
  readonly text: string;
  /** The voice to speak with; default the worker's own. */
  readonly voice?: string;
}

/** What the TTS worker says once its voice has loaded. */
export interface TtsReady {
  /** Output sample rate, Hz. */
  readonly sampleRate: number;
}

/** Requests allowed to wait for the worker; more reject with `VX_TTS_BUSY`. */
const maxPending = 64;

/**
 * espeak-ng in a worker thread: the same voices and output as {@link EspeakTts}, but synthesis (tens of ms
 * of synchronous WASM per sentence, plus pool refills) runs off the main thread, where it would otherwise
 * stall every other session's audio, VAD and recognition while it runs.
 */
export class WorkerTts implements TtsEngine {
  private constructor(
    private readonly rpc: WorkerRpc<SpeakRequest, SynthesizedSpeech, TtsReady>,
    readonly sampleRate: number,
  ) {}

  /** Starts the worker and its voice; rejects if the voice cannot load. */
  static async load(options: EspeakTtsOptions = {}): Promise<WorkerTts> {
    const rpc = WorkerRpc.start<SpeakRequest, SynthesizedSpeech, TtsReady>(
      new URL('./ttsWorker.ts', import.meta.url),
      options,
      { name: 'the TTS worker', rebuild: rebuildTtsError },
    );
    try {
      return new WorkerTts(rpc, (await rpc.ready).sampleRate);
    } catch (error) {
      await rpc.terminate();
      throw new TypeError(
        `TTS voice ${JSON.stringify(options.voice ?? 'en-us')} failed to load: ${(error as Error).message}`,
      );
    }
  }

  synthesize(text: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.request({ text }, signal);
  }

  /** Synthesizes `text` with `voice` (any voice name; espeak-ng loads it for the run), in the same worker. */
  speak(text: string, voice: string, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    return this.request({ text, voice }, signal);
  }

  /** Requests waiting for the worker now. */
  get waiting(): number {
    return this.rpc.pending;
  }

  private request(request: SpeakRequest, signal?: AbortSignal): Promise<SynthesizedSpeech> {
    if (this.rpc.alive && !signal?.aborted && this.rpc.pending >= maxPending)
      return Promise.reject(new TtsError('VX_TTS_BUSY', `${maxPending} syntheses already waiting`));
    // An aborted request leaves the worker to finish the sentence; its answer is dropped.
    return this.rpc.call(request, { signal }).catch((error: unknown) => {
      throw error instanceof WorkerRpcError
        ? new TtsError(error.code === 'VX_WORKER_FAILED' ? 'VX_TTS_FAILED' : 'VX_TTS_CLOSED', error.message, {
            cause: error,
          })
        : error;
    });
  }

  /** Stops the worker; waiting and later requests reject with `VX_TTS_CLOSED`. Idempotent. */
  close(): Promise<void> {
    return this.rpc.terminate(new TtsError('VX_TTS_CLOSED', 'the TTS engine is closed'));
  }
}

function rebuildTtsError(e: RemoteError): TtsError {
  return new TtsError(e.code === 'VX_TTS_TEXT' ? 'VX_TTS_TEXT' : 'VX_TTS_FAILED', e.message);
}
