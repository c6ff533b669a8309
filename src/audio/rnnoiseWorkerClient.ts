import { WorkerRpc } from '../threads/index.ts';

/** A request to the RNNoise worker (src/audio/rnnoiseWorker.ts). */
export interface RnnoiseRequest {
  /** Which stream (the worker keeps each one's state). */
  readonly stream: number;
  readonly sampleRate: number;
  /** A chunk to denoise; null releases the stream. */
  readonly pcm: Float32Array | null;
}

/**
 * RNNoise in its own worker thread, for the server: the same {@link DenoiseStream} per session as in process
 * (src/audio/rnnoise.ts), its state held in the worker. A stream's chunks are denoised in the order they are
 * pushed (one worker answers in order). Frees the event loop of RNNoise's cost; the CPU it takes is the same.
 */
export class RnnoiseWorker {
  private nextStream = 1;

  private constructor(private readonly rpc: WorkerRpc<RnnoiseRequest, Float32Array>) {}

  /** Starts the worker and waits until its WASM module is loaded. */
  static async start(): Promise<RnnoiseWorker> {
    const rpc = WorkerRpc.start<RnnoiseRequest, Float32Array>(
      new URL('./rnnoiseWorker.ts', import.meta.url),
      undefined,
      { name: 'the RNNoise worker' },
    );
    await rpc.ready;
    return new RnnoiseWorker(rpc);
  }

  /** A new stream at `sampleRate` Hz: push chunks (answers come back in order), then release. */
  stream(sampleRate: number): { push(pcm: Float32Array): Promise<Float32Array>; release(): void } {
    const stream = this.nextStream++;
    let released = false;
    return {
      push: (pcm) => {
        if (released) return Promise.reject(new Error('RnnoiseWorker stream: used after release()'));
        // A copy moves to the worker: the caller keeps its chunk.
        const copy = pcm.slice();
        return this.rpc.call({ stream, sampleRate, pcm: copy }, { transfer: [copy.buffer as ArrayBuffer] });
      },
      release: () => {
        if (released) return;
        released = true;
        this.rpc.call({ stream, sampleRate, pcm: null }).catch(() => undefined);
      },
    };
  }

  /** Stops the worker (its streams' memory goes with it). */
  close(): Promise<void> {
    return this.rpc.close();
  }
}
