import { RealFft } from './fft.ts';
import { melFilterbank, type MelFilter } from './melFilterbank.ts';
import { MODEL_CONTRACT } from './modelContract.ts';

const SAMPLE_RATE = MODEL_CONTRACT.sampleRate;
const FRAME_SAMPLES = 400;
const HOP_SAMPLES = SAMPLE_RATE / MODEL_CONTRACT.frameRate;
const FFT_SIZE = 512;
const MEL_BINS = MODEL_CONTRACT.logMelBins;
const LOG_FLOOR = 1e-10;

// Built once per process: every extractor shares the read-only window and filterbank.
const WINDOW = Float64Array.from(
  { length: FRAME_SAMPLES },
  (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / FRAME_SAMPLES),
);
const FILTERS: readonly MelFilter[] = melFilterbank({
  sampleRate: SAMPLE_RATE,
  fftSize: FFT_SIZE,
  melBins: MEL_BINS,
  lowHz: 20,
  highHz: 7600,
});

/**
 * Streaming log-mel features, identical (within float32 rounding) to scripts/voxtrain/features.py:
 * 16 kHz input, 400-sample (25 ms) frames every 160 samples (10 ms), per-frame DC removal, periodic Hann
 * window, 512-point power spectrum, 80 HTK-mel triangular filters from 20 Hz to 7600 Hz, and
 * log(max(energy, 1e-10)). Computed in Float64; only complete frames are emitted, so feeding a signal in
 * any chunking yields the same frames as feeding it at once. One instance per stream.
 */
export class LogMelExtractor {
  /** Input sample rate in Hz. */
  static readonly sampleRate = SAMPLE_RATE;
  /** Features per frame. */
  static readonly melBins = MEL_BINS;
  /** Frame length in samples (25 ms). */
  static readonly frameSamples = FRAME_SAMPLES;
  /** Frame step in samples (10 ms). */
  static readonly hopSamples = HOP_SAMPLES;

  private readonly fft = new RealFft(FFT_SIZE);
  private readonly frame = new Float64Array(FRAME_SAMPLES);
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  /** Samples not yet consumed by a finished frame: always fewer than a frame. */
  private readonly pending = new Float32Array(FRAME_SAMPLES);
  private pendingLength = 0;
  private emitted = 0;

  /** Frames emitted since construction or the last {@link reset}. */
  get frameCount(): number {
    return this.emitted;
  }

  /**
   * Adds samples and returns the features of every frame they complete.
   * @param pcm - Float32Array PCM in [-1, 1] at 16000 Hz
   * @returns Float32Array of `frames × 80` log-mel values, row-major (possibly empty)
   */
  push(pcm: Float32Array): Float32Array {
    const available = this.pendingLength + pcm.length;
    const frames = available < FRAME_SAMPLES ? 0 : Math.floor((available - FRAME_SAMPLES) / HOP_SAMPLES) + 1;
    const out = new Float32Array(frames * MEL_BINS);
    for (let f = 0; f < frames; f++) {
      this.gather(pcm, f * HOP_SAMPLES);
      this.computeFrame(out, f * MEL_BINS);
    }
    // Keep what the next frame needs: everything from its start (fewer than FRAME_SAMPLES samples).
    const consumed = frames * HOP_SAMPLES;
    const keep = available - consumed;
    const fromPending = Math.max(0, this.pendingLength - consumed);
    if (fromPending > 0) this.pending.copyWithin(0, consumed, this.pendingLength);
    this.pending.set(pcm.subarray(pcm.length - (keep - fromPending)), fromPending);
    this.pendingLength = keep;
    this.emitted += frames;
    return out;
  }

  /** Forgets buffered samples and the frame count, ready for a new stream. */
  reset(): void {
    this.pendingLength = 0;
    this.emitted = 0;
  }

  /** Copies the frame starting `start` samples into (pending ++ pcm) into `this.frame`, minus its mean. */
  private gather(pcm: Float32Array, start: number): void {
    const { frame, pending, pendingLength } = this;
    let sum = 0;
    for (let n = 0; n < FRAME_SAMPLES; n++) {
      const i = start + n;
      const v = i < pendingLength ? (pending[i] as number) : (pcm[i - pendingLength] as number);
      frame[n] = v;
      sum += v;
    }
    const mean = sum / FRAME_SAMPLES;
    for (let n = 0; n < FRAME_SAMPLES; n++) frame[n] = ((frame[n] as number) - mean) * (WINDOW[n] as number);
  }

  private computeFrame(out: Float32Array, offset: number): void {
    const { power } = this;
    this.fft.power(this.frame, power);
    for (let m = 0; m < MEL_BINS; m++) {
      const { start, weights } = FILTERS[m] as MelFilter;
      let energy = 0;
      for (let k = 0; k < weights.length; k++)
        energy += (power[start + k] as number) * (weights[k] as number);
      out[offset + m] = Math.log(energy > LOG_FLOOR ? energy : LOG_FLOOR);
    }
  }
}
