import { SPHINX_FRONT_END, SphinxMfcc } from './sphinxMfcc.ts';

const { cepstra: NCEP, featureDims: DIMS, deltaWindow: WIN } = SPHINX_FRONT_END;
/** Padded frames one `1s_c_d_dd` row reads: c[t−3] … c[t+3]. */
const SPAN = 2 * WIN + 1;

/** Options of {@link SphinxFeatures}; every field has a default in {@link defaultSphinxFeaturesOptions}. */
export interface SphinxFeaturesOptions {
  /** Initial cepstral mean, 13 values (the en-us model's `-cmninit`). */
  cmnInit: readonly number[];
  /**
   * How many frames the initial mean counts for. 0 (default) is what Debian's pocketsphinx
   * (5prealpha) does with `-cmninit`: it sets the mean only, so the first utterance's end replaces it by
   * that utterance's own mean. 500 is sphinxbase's `cmn_live_set` (and newer pocketsphinx): the initial
   * mean weighs like 500 frames of speech.
   */
  cmnInitFrames: number;
  /** Frames the running sum is scaled back to when it is shifted (sphinxbase CMN_WIN). Default 500. */
  cmnWindowFrames: number;
  /** The running sum is shifted once it holds more than this many frames (CMN_WIN_HWM). Default 800. */
  cmnShiftFrames: number;
  /**
   * Keep the live mean across utterances of one session (what live CMN is for: it adapts to the speaker
   * and channel). When false, {@link SphinxFeatures.startUtterance} also restarts it from `cmnInit`.
   * Default true.
   */
  keepCmnAcrossUtterances: boolean;
  /**
   * Sphinx's noise removal in the MFCC (`-remove_noise yes`, src/audio/sphinxNoise.ts); its statistics carry
   * over between utterances like the live mean. Default false.
   */
  removeNoise: boolean;
}

/** The CMU en-us model's values (`feat.params`) and sphinxbase's live-CMN constants. */
export const defaultSphinxFeaturesOptions: Readonly<SphinxFeaturesOptions> = Object.freeze({
  cmnInit: Object.freeze([
    41.0, -5.29, -0.12, 5.09, 2.48, -4.07, -1.37, -1.78, -5.08, -2.05, -6.45, -1.42, 1.17,
  ]),
  cmnInitFrames: 0,
  cmnWindowFrames: 500,
  cmnShiftFrames: 800,
  keepCmnAcrossUtterances: true,
  removeNoise: false,
});

function validate(options: SphinxFeaturesOptions): SphinxFeaturesOptions {
  const { cmnInit, cmnInitFrames, cmnWindowFrames, cmnShiftFrames, keepCmnAcrossUtterances } = options;
  if (!Array.isArray(cmnInit) || cmnInit.length !== NCEP || !cmnInit.every(Number.isFinite)) {
    throw new TypeError(`cmnInit must be ${NCEP} finite numbers`);
  }
  if (!Number.isInteger(cmnWindowFrames) || cmnWindowFrames < 1) {
    throw new TypeError(`cmnWindowFrames must be a positive integer, got ${cmnWindowFrames}`);
  }
  if (!Number.isInteger(cmnShiftFrames) || cmnShiftFrames < cmnWindowFrames) {
    throw new TypeError(`cmnShiftFrames must be an integer >= cmnWindowFrames, got ${cmnShiftFrames}`);
  }
  if (!Number.isInteger(cmnInitFrames) || cmnInitFrames < 0 || cmnInitFrames > cmnShiftFrames) {
    throw new TypeError(`cmnInitFrames must be an integer in [0, cmnShiftFrames], got ${cmnInitFrames}`);
  }
  if (typeof keepCmnAcrossUtterances !== 'boolean') {
    throw new TypeError('keepCmnAcrossUtterances must be a boolean');
  }
  if (typeof options.removeNoise !== 'boolean') throw new TypeError('removeNoise must be a boolean');
  return { ...options, cmnInit: [...cmnInit] };
}

/**
 * Streaming Sphinx features for the CMU en-us model: {@link SphinxMfcc} cepstra, live CMN and `1s_c_d_dd`
 * (39 dims: c[t]; c[t+2] − c[t−2]; (c[t+3] − c[t−1]) − (c[t+1] − c[t−3])), as pocketsphinx computes
 * them while decoding live (sphinxbase `cmn_live.c`, `feat_s2mfc2feat_live`):
 * - CMN: each frame with c0 ≥ 0 is added to a running sum and has the current mean subtracted; frames
 *   with c0 < 0 (digital silence) pass through unnormalised and uncounted. When the sum holds more than
 *   800 frames the mean becomes sum / count and the sum is scaled back to 500 frames. At the end of an
 *   utterance the mean becomes sum / count. Pocketsphinx applies a mean per block of frames (whatever one
 *   `ps_process_raw` call yields) and checks the 800 after each block; here the block is one frame, so the
 *   rows do not depend on how audio is chunked. Pocketsphinx's own rows do: the frames between the 801st
 *   and the end of its block keep the old mean (differences of several units there, and ~0.1 after).
 * - Deltas: the utterance's first and last normalised frames are repeated 3 times at its edges; row t
 *   comes out once c[t+3] is known (30 ms of look-ahead), the last 3 rows at {@link end}.
 * One instance per session.
 */
export class SphinxFeatures {
  private readonly options: SphinxFeaturesOptions;
  private readonly mfcc: SphinxMfcc;
  private readonly mean = new Float64Array(NCEP);
  private readonly sum = new Float64Array(NCEP);
  private count = 0;
  /** Ring of the last SPAN padded, normalised frames. */
  private readonly ring = new Float32Array(SPAN * NCEP);
  /** Padded frames written to the ring in this utterance (−1: no frame yet). */
  private written = -1;
  private readonly last = new Float32Array(NCEP);
  /** The utterance's cepstra before normalisation, in order (row k of the output is frame k). */
  private raw = new Float32Array(64 * NCEP);
  private rawFrames = 0;

  /** @param options - overrides of {@link defaultSphinxFeaturesOptions}; throws TypeError naming a bad field */
  constructor(options: Partial<SphinxFeaturesOptions> = {}) {
    this.options = validate({ ...defaultSphinxFeaturesOptions, ...options });
    this.mfcc = new SphinxMfcc({ removeNoise: this.options.removeNoise });
    this.resetCmn();
  }

  /** The live cepstral mean now (a copy, 13 values). */
  get cmnMean(): Float64Array {
    return this.mean.slice();
  }

  /**
   * Adds audio and returns the feature rows it completes.
   * @param pcm - Float32Array PCM in [-1, 1] at 16000 Hz
   * @returns Float32Array of `rows × 39`, row-major (possibly empty)
   */
  push(pcm: Float32Array): Float32Array {
    return this.pushCepstra(this.mfcc.push(pcm));
  }

  /**
   * Adds cepstra computed elsewhere (as pocketsphinx does with a `.mfc` file) and returns the feature rows
   * they complete. Do not mix with {@link push} in one utterance.
   * @param cepstra - Float32Array of `frames × 13`, row-major; not modified
   * @returns Float32Array of `rows × 39`
   */
  pushCepstra(cepstra: Float32Array): Float32Array {
    if (cepstra.length % NCEP !== 0) throw new TypeError(`cepstra length must be a multiple of ${NCEP}`);
    const frames = cepstra.length / NCEP;
    // Row t needs padded frames t … t + 6; the first frame of an utterance also writes the 3 left pads.
    const before = Math.max(0, this.written);
    const after = frames === 0 ? before : Math.max(WIN, this.written) + frames;
    const rows = Math.max(0, after - SPAN + 1) - Math.max(0, before - SPAN + 1);
    const out = new Float32Array(rows * DIMS);
    let row = 0;
    for (let f = 0; f < frames; f++) {
      this.keepRaw(cepstra, f * NCEP);
      this.normalise(cepstra, f * NCEP);
      if (this.written < 0) {
        this.written = 0;
        for (let p = 0; p < WIN; p++) this.write(this.last);
      }
      this.write(this.last);
      if (this.written >= SPAN) this.emit(out, row++);
    }
    return out;
  }

  /**
   * Ends the utterance: the zero-padded last MFCC frame, the live-CMN update, and the last rows (with the
   * last frame repeated). The next {@link push} starts a new utterance.
   * @returns Float32Array of `rows × 39`
   */
  end(): Float32Array {
    const head = this.pushCepstra(this.mfcc.flush());
    this.updateCmn();
    // Rows still owed: one per real frame, the last 3 once the right padding is written.
    const before = Math.max(0, this.written);
    const tail = this.written < 0 ? 0 : Math.max(0, before + WIN - SPAN + 1) - Math.max(0, before - SPAN + 1);
    const out = new Float32Array(head.length + tail * DIMS);
    out.set(head);
    let row = head.length / DIMS;
    for (let p = 0; this.written >= 0 && p < WIN; p++) {
      this.write(this.last);
      if (this.written >= SPAN) this.emit(out, row++);
    }
    this.written = -1;
    return out;
  }

  /**
   * Drops the audio and delta buffers of the utterance in progress (without the end-of-utterance CMN
   * update); the live mean is kept unless `keepCmnAcrossUtterances` is false.
   */
  startUtterance(): void {
    this.mfcc.reset();
    this.written = -1;
    this.rawFrames = 0;
    if (!this.options.keepCmnAcrossUtterances) this.resetCmn();
  }

  /** Forgets everything, the live mean and the noise statistics included, ready for a new session. */
  reset(): void {
    this.mfcc.resetStream();
    this.written = -1;
    this.rawFrames = 0;
    this.resetCmn();
  }

  private resetCmn(): void {
    const { cmnInit, cmnInitFrames } = this.options;
    for (let i = 0; i < NCEP; i++) {
      this.mean[i] = cmnInit[i] as number;
      this.sum[i] = (cmnInit[i] as number) * cmnInitFrames;
    }
    this.count = cmnInitFrames;
  }

  /**
   * The cepstra (13 a frame, before any normalisation) of the frames `from` … `from + count − 1` of the
   * utterance in progress: output row k of the utterance is frame k. A second pass normalises them over the
   * whole utterance (batch CMN); the deltas need no change, since a constant offset cancels in them.
   */
  utteranceCepstra(from: number, count: number): Float32Array {
    if (from < 0 || count < 0 || from + count > this.rawFrames)
      throw new RangeError(`frames ${from}…${from + count - 1} of ${this.rawFrames}`);
    return this.raw.slice(from * NCEP, (from + count) * NCEP);
  }

  private keepRaw(cepstra: Float32Array, offset: number): void {
    if (this.written < 0) this.rawFrames = 0; // the utterance's first frame
    if ((this.rawFrames + 1) * NCEP > this.raw.length) {
      const grown = new Float32Array(this.raw.length * 2);
      grown.set(this.raw);
      this.raw = grown;
    }
    this.raw.set(cepstra.subarray(offset, offset + NCEP), this.rawFrames * NCEP);
    this.rawFrames++;
  }

  /** sphinxbase cmn_live for one frame, into `this.last`. */
  private normalise(cepstra: Float32Array, offset: number): void {
    const { last, sum, mean } = this;
    for (let i = 0; i < NCEP; i++) last[i] = cepstra[offset + i] as number;
    // Zero-energy frames are skipped entirely, normalisation included (as cmn_live does).
    if ((last[0] as number) < 0) return;
    for (let i = 0; i < NCEP; i++) {
      sum[i] = (sum[i] as number) + (last[i] as number);
      last[i] = (last[i] as number) - (mean[i] as number);
    }
    this.count++;
    if (this.count > this.options.cmnShiftFrames) this.shiftCmn();
  }

  /** cmn_live_shiftwin: the mean from the window, then the sum scaled back to cmnWindowFrames frames. */
  private shiftCmn(): void {
    const { sum, mean } = this;
    for (let i = 0; i < NCEP; i++) mean[i] = (sum[i] as number) / this.count;
    const scale = this.options.cmnWindowFrames / this.count;
    for (let i = 0; i < NCEP; i++) sum[i] = (sum[i] as number) * scale;
    this.count = this.options.cmnWindowFrames;
  }

  /** cmn_live_update at the end of an utterance. */
  private updateCmn(): void {
    if (this.count <= 0) return;
    if (this.count > this.options.cmnShiftFrames) {
      this.shiftCmn();
      return;
    }
    for (let i = 0; i < NCEP; i++) this.mean[i] = (this.sum[i] as number) / this.count;
  }

  private write(frame: Float32Array): void {
    this.ring.set(frame, (this.written % SPAN) * NCEP);
    this.written++;
  }

  /** Row for the centre of the last SPAN padded frames. */
  private emit(out: Float32Array, row: number): void {
    const { ring } = this;
    const base = this.written - SPAN; // padded index of c[t − 3]
    const at = (k: number): number => ((base + k) % SPAN) * NCEP; // k = 0 … 6 ↔ c[t − 3] … c[t + 3]
    const o = row * DIMS;
    const m3 = at(0);
    const m2 = at(1);
    const m1 = at(2);
    const c = at(3);
    const p1 = at(4);
    const p2 = at(5);
    const p3 = at(6);
    for (let i = 0; i < NCEP; i++) {
      out[o + i] = ring[c + i] as number;
      out[o + NCEP + i] = (ring[p2 + i] as number) - (ring[m2 + i] as number);
      out[o + 2 * NCEP + i] =
        (ring[p3 + i] as number) -
        (ring[m1 + i] as number) -
        ((ring[p1 + i] as number) - (ring[m3 + i] as number));
    }
  }
}

/**
 * What batch CMN's mean leans on where an utterance has few frames: a mean (13 cepstra) that counts as `frames`
 * frames of the utterance. The mean of a one-second command is mostly its one or two vowels, and taking all
 * of it away takes part of the word with it; a prior keeps short utterances near a mean they share with other
 * speech, and weighs little in a long one.
 */
export interface CmnPrior {
  readonly mean: readonly number[];
  readonly frames: number;
}

/**
 * Batch CMN's mean: of the cepstra (`frames × 13`, before normalisation) over the frames with c0 ≥ 0 (those
 * with c0 < 0 are digital silence, as in live CMN), with the `prior` mean counted as its frames where given.
 * Null without such a frame and without a prior.
 */
export function voicedCepstralMean(cepstra: Float32Array, prior?: CmnPrior | null): Float64Array | null {
  const sum = new Float64Array(NCEP);
  let voiced = 0;
  for (let t = 0; t * NCEP < cepstra.length; t++) {
    if ((cepstra[t * NCEP] as number) < 0) continue;
    voiced++;
    for (let k = 0; k < NCEP; k++) sum[k] = (sum[k] as number) + (cepstra[t * NCEP + k] as number);
  }
  if (!prior || prior.frames <= 0) return voiced === 0 ? null : sum.map((v) => v / voiced);
  return sum.map((v, k) => (v + prior.frames * (prior.mean[k] as number)) / (voiced + prior.frames));
}

/**
 * `1s_c_d_dd` rows (`frames × 39`) of a whole utterance's cepstra (`frames × 13`, before normalisation) with
 * batch CMN: every frame less the mean of the frames with c0 ≥ 0 (those with c0 < 0 are digital silence, as
 * in live CMN), the deltas over that, the first and last frames repeated 3 times at the edges (as
 * {@link SphinxFeatures} pads them). What `pocketsphinx_batch` computes, and, with a {@link CmnPrior}, the
 * recognizer's denoised pass.
 */
export function batchCmnFeatures(cepstra: Float32Array, prior?: CmnPrior | null): Float32Array {
  if (cepstra.length % NCEP !== 0) throw new TypeError(`cepstra length must be a multiple of ${NCEP}`);
  const frames = cepstra.length / NCEP;
  const out = new Float32Array(frames * DIMS);
  if (frames === 0) return out;
  const mean = voicedCepstralMean(cepstra, prior) ?? new Float64Array(NCEP);
  const c = (t: number, k: number) =>
    (cepstra[Math.min(frames - 1, Math.max(0, t)) * NCEP + k] as number) - (mean[k] as number);
  for (let t = 0; t < frames; t++) {
    const row = t * DIMS;
    for (let k = 0; k < NCEP; k++) {
      out[row + k] = c(t, k);
      out[row + NCEP + k] = c(t + 2, k) - c(t - 2, k);
      out[row + 2 * NCEP + k] = c(t + 3, k) - c(t - 1, k) - (c(t + 1, k) - c(t - 3, k));
    }
  }
  return out;
}
