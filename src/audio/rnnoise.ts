import { Resampler } from './resample.ts';

/** RNNoise works on 10 ms frames of 48 kHz audio, in 16-bit sample units. */
const rnnoiseRate = 48000;
const int16Scale = 32768;
const denoiseResampling = { zeroCrossings: 8 };

/** The parts of the RNNoise WASM module (xiph's C API, compiled by @echogarden/rnnoise-wasm) we call. */
interface RnnoiseModule {
  readonly HEAPF32: Float32Array;
  _rnnoise_get_frame_size(): number;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, out: number, input: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/**
 * RNNoise noise suppression (xiph's recurrent network, BSD-3-Clause, as WASM from npm
 * `@echogarden/rnnoise-wasm`): one module per process, loaded once; each session gets its own
 * {@link DenoiseStream}. In front of the CMU acoustic model, which was trained on clean speech, it took Speech
 * Commands at 6 dB from 34 to 73 % accepted right (models/am-en-us/README.md, "Noise").
 */
export class RnnoiseDenoiser {
  private constructor(private readonly module: RnnoiseModule) {}

  /** Loads and instantiates the WASM module. */
  static async load(): Promise<RnnoiseDenoiser> {
    const { default: create } = await import('@echogarden/rnnoise-wasm');
    return new RnnoiseDenoiser((await create()) as RnnoiseModule);
  }

  /** A new stream's state, at `sampleRate` Hz (16 kHz in the session graph). */
  stream(sampleRate: number): DenoiseStream {
    return new DenoiseStream(this.module, sampleRate);
  }
}

/**
 * One stream through RNNoise: audio at its own rate in, denoised audio at the same rate out, streaming (it is
 * resampled to 48 kHz and back, and cut into RNNoise's 10 ms frames; about 15 ms of delay in all). Owns WASM
 * memory: `release()` when done.
 */
export class DenoiseStream {
  private readonly up: Resampler;
  private readonly down: Resampler;
  private readonly frameSize: number;
  private readonly state: number;
  private readonly pointer: number;
  /** 48 kHz input not yet a whole frame. */
  private pending: Float32Array;
  private pendingLength = 0;
  private released = false;

  constructor(
    private readonly module: RnnoiseModule,
    sampleRate: number,
  ) {
    // Short filters (8 zero crossings, not the session's 32): RNNoise's bands are coarse, and the way back
    // only has to keep out what it adds above the stream's Nyquist. A quarter of the work (RTF 0.04 -> ~0.01).
    this.up = new Resampler(sampleRate, rnnoiseRate, denoiseResampling);
    this.down = new Resampler(rnnoiseRate, sampleRate, denoiseResampling);
    this.frameSize = module._rnnoise_get_frame_size();
    this.state = module._rnnoise_create(0);
    this.pointer = module._malloc(this.frameSize * 4);
    this.pending = new Float32Array(this.frameSize * 8);
  }

  /** Denoises a chunk (Float32 in [-1, 1]); returns what is ready, about as many samples as went in. */
  push(pcm: Float32Array): Float32Array {
    if (this.released) throw new Error('DenoiseStream: used after release()');
    const x = this.up.push(pcm);
    if (this.pendingLength + x.length > this.pending.length) {
      const grown = new Float32Array(2 * (this.pendingLength + x.length));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    this.pending.set(x, this.pendingLength);
    this.pendingLength += x.length;
    const n = this.frameSize;
    const frames = Math.floor(this.pendingLength / n);
    const out = new Float32Array(frames * n);
    for (let f = 0; f < frames; f++) {
      // The heap can grow (and its buffer move) between calls: take the view each time.
      const heap = new Float32Array(this.module.HEAPF32.buffer, this.pointer, n);
      for (let i = 0; i < n; i++) heap[i] = (this.pending[f * n + i] as number) * int16Scale;
      this.module._rnnoise_process_frame(this.state, this.pointer, this.pointer);
      const done = new Float32Array(this.module.HEAPF32.buffer, this.pointer, n);
      for (let i = 0; i < n; i++) out[f * n + i] = (done[i] as number) / int16Scale;
    }
    this.pending.copyWithin(0, frames * n, this.pendingLength);
    this.pendingLength -= frames * n;
    return this.down.push(out);
  }

  /** Frees the stream's WASM memory (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.module._free(this.pointer);
    this.module._rnnoise_destroy(this.state);
  }
}

/** Where {@link denoiseWhole} gets a stream: {@link RnnoiseDenoiser} in process or the RNNoise worker. */
export interface DenoiseStreams {
  stream(sampleRate: number): {
    push(pcm: Float32Array): Float32Array | Promise<Float32Array>;
    release(): void;
  };
}

/**
 * A whole stretch of audio through a fresh RNNoise stream, twice: the first time only so that its recurrent
 * state learns the noise from all of it (a fresh stream needs a while to; on the tuning speakers' noisy Speech
 * Commands clips the warmed stream got 2–5 points more of the words right, docs/real-speech/noisy-pass/), then
 * what comes out for `pcm` and for 30 ms of silence after it (which lets out what RNNoise's ~15 ms of delay
 * holds back): a little longer than the input, and ~15 ms late. {@link UtteranceDenoise} does the same with
 * the first time done while the audio comes in.
 */
export async function denoiseWhole(
  streams: DenoiseStreams,
  pcm: Float32Array,
  sampleRate: number,
): Promise<Float32Array> {
  const utterance = new UtteranceDenoise(streams, sampleRate);
  try {
    return await utterance.denoise(pcm);
  } finally {
    utterance.release();
  }
}

/**
 * {@link denoiseWhole} of one utterance, with its first time through RNNoise (the one that only learns the
 * noise) taken while the utterance is still coming in ({@link learn}), so that its end waits only for the
 * second: half of RNNoise's cost, about 0.017 of the audio's duration (50 ms for a 3-second order). The
 * stream is the same, fed the same samples in the same order, so the output is the same as
 * {@link denoiseWhole}'s, sample for sample. Owns a stream: `release()` when done.
 */
export class UtteranceDenoise {
  private readonly stream: ReturnType<DenoiseStreams['stream']>;
  /** Samples of the utterance the first time has taken. */
  private learned = 0;
  /** The first time's pushes to the worker, awaited (and any failure thrown) by {@link denoise}. */
  private learning: Promise<unknown>[] = [];

  constructor(
    streams: DenoiseStreams,
    private readonly sampleRate: number,
  ) {
    this.stream = streams.stream(sampleRate);
  }

  /** The utterance's next samples, the first time through (the output is not needed). */
  learn(pcm: Float32Array): void {
    if (pcm.length === 0) return;
    this.learned += pcm.length;
    const done = this.stream.push(pcm);
    if (done instanceof Promise) {
      // Failures surface in denoise(); until then the promise must not count as unhandled.
      done.catch(() => undefined);
      this.learning.push(done);
    }
  }

  /**
   * The whole utterance denoised: `pcm` is all of it, of which {@link learn} has had the first part (maybe
   * none); the rest is learnt first, then all of it goes through again for the output, with 30 ms of silence
   * after it.
   */
  async denoise(pcm: Float32Array): Promise<Float32Array> {
    if (pcm.length < this.learned)
      throw new RangeError(`UtteranceDenoise: ${pcm.length} samples, fewer than the ${this.learned} learnt`);
    this.learn(pcm.subarray(this.learned));
    await Promise.all(this.learning);
    this.learning = [];
    const head = await this.stream.push(pcm);
    const tail = await this.stream.push(new Float32Array(Math.round(this.sampleRate * 0.03)));
    const out = new Float32Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  }

  release(): void {
    this.stream.release();
  }
}
