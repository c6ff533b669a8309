import { RealFft } from './fft.ts';
import { MODEL_CONTRACT } from './modelContract.ts';
import { SphinxNoiseRemoval } from './sphinxNoise.ts';

/**
 * The CMU Sphinx en-us acoustic model's front-end contract (its `feat.params` plus the defaults in force),
 * declared once: everything else derives from it.
 */
export const SPHINX_FRONT_END = {
  /** Input sample rate in Hz. */
  sampleRate: MODEL_CONTRACT.sampleRate,
  /** Frames per second (`-frate`). */
  frameRate: MODEL_CONTRACT.frameRate,
  /** Frame length in samples (`-wlen 0.025625` at 16 kHz). */
  frameSamples: 410,
  /** Frame step in samples (sampleRate / frameRate). */
  hopSamples: 160,
  /** FFT length (`-nfft`). */
  fftSize: 512,
  /** Pre-emphasis coefficient (`-alpha`). */
  preEmphasis: 0.97,
  /** Mel filters (`-nfilt`). */
  melFilters: 25,
  /** Lower edge of the filterbank in Hz (`-lowerf`). */
  lowHz: 130,
  /** Upper edge of the filterbank in Hz (`-upperf`). */
  highHz: 6800,
  /** Cepstra per frame (`-ncep`). */
  cepstra: 13,
  /** Sinusoidal lifter length (`-lifter`). */
  lifter: 22,
  /** Features per frame for `1s_c_d_dd`: cepstra, deltas, delta-deltas. */
  featureDims: 39,
  /** Frames of look-ahead (and look-behind) the `1s_c_d_dd` deltas need. */
  deltaWindow: 3,
} as const;

const {
  frameSamples: FRAME,
  hopSamples: HOP,
  fftSize: FFT_SIZE,
  preEmphasis: ALPHA,
  melFilters: NFILT,
  cepstra: NCEP,
} = SPHINX_FRONT_END;
/** Sphinx reads 16-bit PCM and works on the raw integer values. */
const INT16_SCALE = 32768;
/** Added to each filter energy before the log (sphinx_fe prints c0 = 5·ln(1e-4) on digital silence). */
const LOG_FLOOR = 1e-4;

/** Pushes up to this many samples (300 ms) reuse one scratch buffer. */
const WORK_SAMPLES = 4800;

const f32 = Math.fround;

/** Symmetric Hamming window over the 410-sample frame (sphinxbase fe_create_hamming). */
const WINDOW = Float64Array.from(
  { length: FRAME },
  (_, n) => 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (FRAME - 1)),
);

interface SparseFilter {
  start: number;
  weights: Float64Array;
}

/**
 * sphinxbase fe_build_melfilters with round_filters and unit_area, in float32 as the C code computes it:
 * edges equally spaced in mel (2595·log10(1 + f/700)), rounded to FFT bins; a bin exactly on an edge is
 * kept with weight 0, and the Nyquist bin is never included.
 */
function sphinxMelFilters(): SparseFilter[] {
  const { sampleRate, lowHz, highHz } = SPHINX_FRONT_END;
  const mel = (hz: number): number => f32(2595 * Math.log10(1 + hz / 700));
  const melInv = (m: number): number => f32(700 * (Math.pow(10, m / 2595) - 1));
  const melMin = mel(lowHz);
  const melMax = mel(highHz);
  const melBw = f32(f32(melMax - melMin) / (NFILT + 1));
  const binHz = f32(sampleRate / FFT_SIZE);
  const filters: SparseFilter[] = [];
  for (let i = 0; i < NFILT; i++) {
    const edges = [0, 1, 2].map((j) => {
      const hz = melInv(f32(f32((i + j) * melBw) + melMin));
      return f32(Math.trunc(f32(hz / binHz) + 0.5) * binHz);
    }) as [number, number, number];
    const [left, centre, right] = edges;
    let start = -1;
    let width = 0;
    for (let k = 0; k <= FFT_SIZE / 2; k++) {
      const hz = f32(k * binHz);
      if (hz < left) continue;
      if (hz > right || k === FFT_SIZE / 2) {
        width = k - start;
        break;
      }
      if (start === -1) start = k;
    }
    const weights = new Float64Array(width);
    const area = f32(2 / f32(right - left));
    for (let k = 0; k < width; k++) {
      const hz = f32((start + k) * binHz);
      const rising = f32(f32(f32(hz - left) / f32(centre - left)) * area);
      const falling = f32(f32(f32(right - hz) / f32(right - centre)) * area);
      weights[k] = rising < falling ? rising : falling;
    }
    filters.push({ start, weights });
  }
  return filters;
}

// Built once per process and shared read-only by every extractor.
const FILTERS: readonly SparseFilter[] = sphinxMelFilters();
/** DCT-II basis cos(πi(j + ½)/N), stored as float32 like sphinxbase's mel_cosine. */
const COSINE = Float64Array.from({ length: NCEP * NFILT }, (_, k) =>
  f32(Math.cos((Math.PI / NFILT) * Math.floor(k / NFILT) * ((k % NFILT) + 0.5))),
);
const SQRT_INV_N = f32(Math.sqrt(1 / NFILT));
const SQRT_INV_2N = f32(Math.sqrt(2 / NFILT));
const LIFTER = Float64Array.from({ length: NCEP }, (_, i) =>
  f32(1 + (SPHINX_FRONT_END.lifter / 2) * Math.sin((i * Math.PI) / SPHINX_FRONT_END.lifter)),
);

/** Options of {@link SphinxMfcc}. */
export interface SphinxMfccOptions {
  /**
   * Sphinx's noise removal on the filter energies before the log (`-remove_noise yes`, pocketsphinx's
   * default; {@link SphinxNoiseRemoval}). Its statistics carry over from one utterance to the next and start
   * again only at {@link SphinxMfcc.resetStream}. Default false.
   */
  removeNoise: boolean;
}

/**
 * Streaming MFCC identical to Debian's `sphinx_fe` (sphinxbase 5prealpha) with the CMU en-us model's
 * options, silence removal and dither off, and noise removal as asked ({@link SphinxMfccOptions}; off, as
 * `-remove_noise no`, by default): 410-sample frames every 160 samples;
 * pre-emphasis 0.97 using the sample before the frame (0 at the start); symmetric Hamming window; 512-point
 * power spectrum; 25 unit-area triangular mel filters from 130 to 6800 Hz rounded to FFT bins;
 * ln(E + 1e-4); orthonormal DCT-II to 13 cepstra; lifter 1 + 11·sin(πi/22). Input floats are scaled by
 * 32768 to the int16 values Sphinx works on (not rounded: PCM that came from int16 is exact). Only
 * complete frames come out of {@link push}, so any chunking of the input gives the same rows;
 * {@link flush} adds the zero-padded last frame that `sphinx_fe` writes at the end of an utterance.
 * Computed in float64 with float32 rounding where sphinxbase stores float32. One instance per stream.
 */
export class SphinxMfcc {
  private readonly fft = new RealFft(FFT_SIZE);
  private readonly frame = new Float64Array(FFT_SIZE);
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  private readonly logEnergy = new Float64Array(NFILT);
  private readonly energy = new Float64Array(NFILT);
  private readonly noise: SphinxNoiseRemoval | null;
  /** Samples (int16 scale) from the next frame's start on: always fewer than a frame. */
  private readonly pending = new Float64Array(FRAME);
  private pendingLength = 0;
  /** Scratch for the prior sample, then pending and new samples; a larger push allocates its own. */
  private readonly work = new Float64Array(FRAME + 1 + WORK_SAMPLES);
  /** The sample just before `pending[0]`, for pre-emphasis (0 at the start of an utterance). */
  private prior = 0;
  private emitted = 0;

  constructor(options: Partial<SphinxMfccOptions> = {}) {
    this.noise = options.removeNoise ? new SphinxNoiseRemoval(NFILT) : null;
  }

  /** Frames emitted since construction or the last {@link reset}. */
  get frameCount(): number {
    return this.emitted;
  }

  /**
   * Adds samples and returns the cepstra of every frame they complete.
   * @param pcm - Float32Array PCM in [-1, 1] at 16000 Hz
   * @returns Float32Array of `frames × 13` cepstra, row-major (possibly empty)
   */
  push(pcm: Float32Array): Float32Array {
    const { pendingLength } = this;
    const available = pendingLength + pcm.length;
    const frames = available < FRAME ? 0 : Math.floor((available - FRAME) / HOP) + 1;
    const out = new Float32Array(frames * NCEP);
    // One contiguous int16-scale buffer: [prior, pending…, pcm…], so sample i of the stream is at i + 1.
    const work = available < this.work.length ? this.work : new Float64Array(available + 1);
    work[0] = this.prior;
    work.set(this.pending.subarray(0, pendingLength), 1);
    for (let i = 0; i < pcm.length; i++) work[pendingLength + 1 + i] = (pcm[i] as number) * INT16_SCALE;
    for (let f = 0; f < frames; f++) {
      this.preEmphasise(work, f * HOP + 1, FRAME);
      this.computeFrame(out, f * NCEP);
    }
    // Keep what the next frame needs: everything from its start, and the sample before it.
    const consumed = frames * HOP;
    this.prior = work[consumed] as number;
    this.pending.set(work.subarray(consumed + 1, available + 1));
    this.pendingLength = available - consumed;
    this.emitted += frames;
    return out;
  }

  /**
   * Ends the utterance as `sphinx_fe` does: the samples after the last complete frame's start + 160
   * (at least 250 once a frame was emitted) make one more frame, zero-padded to 410 samples. Then the
   * extractor is ready for a new utterance (as after {@link reset}).
   * @returns Float32Array of `0 or 1 × 13` cepstra
   */
  flush(): Float32Array {
    const length = this.pendingLength;
    const out = new Float32Array(length > 0 ? NCEP : 0);
    if (length > 0) {
      const { work } = this;
      work[0] = this.prior;
      work.set(this.pending.subarray(0, length), 1);
      this.preEmphasise(work, 1, length);
      this.computeFrame(out, 0);
    }
    this.reset();
    return out;
  }

  /**
   * Forgets buffered samples, the pre-emphasis history and the frame count, ready for a new utterance; the
   * noise statistics stay (see {@link resetStream}).
   */
  reset(): void {
    this.pendingLength = 0;
    this.prior = 0;
    this.emitted = 0;
  }

  /** {@link reset}, and the noise statistics too: ready for a new stream. */
  resetStream(): void {
    this.reset();
    this.noise?.reset();
  }

  /**
   * Writes `length` samples from `samples[start]` into `this.frame`: pre-emphasised (the first one with
   * `samples[start − 1]`), windowed and zero-padded to the FFT size.
   */
  private preEmphasise(samples: Float64Array, start: number, length: number): void {
    const { frame } = this;
    for (let n = 0; n < length; n++) {
      const x = samples[start + n] as number;
      frame[n] = (x - (samples[start + n - 1] as number) * ALPHA) * (WINDOW[n] as number);
    }
    frame.fill(0, length);
  }

  private computeFrame(out: Float32Array, offset: number): void {
    const { power, logEnergy, energy } = this;
    this.fft.power(this.frame, power);
    for (let m = 0; m < NFILT; m++) {
      const { start, weights } = FILTERS[m] as SparseFilter;
      let e = 0;
      for (let k = 0; k < weights.length; k++) e += (power[start + k] as number) * (weights[k] as number);
      energy[m] = e;
    }
    this.noise?.apply(energy);
    for (let m = 0; m < NFILT; m++) logEnergy[m] = Math.log((energy[m] as number) + LOG_FLOOR);
    // sphinxbase accumulates the DCT in float32 (mfcc_t); rounding each step keeps us bit-close.
    let c0 = 0;
    for (let j = 0; j < NFILT; j++) c0 = f32(c0 + (logEnergy[j] as number));
    out[offset] = f32(c0 * SQRT_INV_N) * (LIFTER[0] as number);
    for (let i = 1; i < NCEP; i++) {
      let c = 0;
      const row = i * NFILT;
      for (let j = 0; j < NFILT; j++) c = f32(c + (logEnergy[j] as number) * (COSINE[row + j] as number));
      out[offset + i] = f32(c * SQRT_INV_2N) * (LIFTER[i] as number);
    }
  }
}
