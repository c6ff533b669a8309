import type { SenoneFrames } from './senoneFrames.ts';

/** Gaussians per codebook that the live pass keeps of each frame (pocketsphinx's top-N, its `-topn`). */
export const topGaussians = 4;
/** Nats of one step of sendump's byte-coded mixture weights: ln(1.0001) × 2^10. */
const natsPerStep = Math.log(1.0001) * 1024;
/** No kept Gaussian counts as worse than 96 steps below its stream's best (pocketsphinx's MAX_NEG_ASCR). */
const floorNats = -96 * natsPerStep;
/**
 * Frames whose senone scores stay cached: those of the last few runs read, whichever session's. A session's
 * grammar search and its phone loop read a run of at most 16 frames one after the other, without yielding.
 */
const recentFrames = 32;

/** The selected Gaussians of a run of frames, as gaussians.onnx gives them for one stream of audio. */
export interface GaussianSelection {
  readonly frames: number;
  /** Gaussians kept per codebook, K (default {@link topGaussians}). */
  readonly kept?: number;
  /** [frames, streams, codebooks, K] natural-log Gaussian likelihoods, best first per codebook. */
  readonly top: Float32Array;
  /** [frames, streams, codebooks, K] the densities they are, within their codebook. */
  readonly index: Int32Array;
}

/**
 * Scores senones from each frame's selected Gaussians, on demand, exactly as senones.onnx does for all of them:
 * per stream, the log of the sum over the codebook's 4 best Gaussians of weight × likelihood (relative to the
 * stream's best Gaussian, floored at 96 steps below it), summed over the streams. A grammar search reads only
 * the senones of its active HMMs, a few hundred of the 5,126, so this costs far less than scoring them all.
 * Each frame's scores are offset by the sum of its streams' best Gaussians (the same for every senone).
 *
 * A score is kept once computed in a cache of the most recent frames, shared by every run of frames: the
 * searches read the same senones of a frame many times, and each a frame at a time. A score read again after
 * its frame has left the cache (a final alignment) is computed again, to the same value. Until 2026-12-02 each
 * run kept a score slot for every senone of its frames (656 KB a 16-frame chunk, held until the utterance
 * ended): up to 300 MB/s of garbage at 75 sessions all speaking (computed, not measured), for reads of a few
 * hundred senones a frame.
 */
export class SenoneMixture {
  /** Linear mixture weights, [streams, senones, densities]. */
  private readonly weights: Float32Array;
  /** Scores of the recent frames, [recentFrames, senones]; slot `key % recentFrames` holds frame `key`. */
  private readonly recent: Float64Array;
  /** The frame key each score of {@link recent} belongs to (-1: none); keys are unique to a run's frames. */
  private readonly recentKeys: Float64Array;
  private nextKey = 0;

  /**
   * @param mixw byte-coded mixture weights (-ln(w) / 0.1024), [streams, senones, densities] (mixw.bin)
   * @param senoneCodebook each senone's codebook (its base phone)
   */
  constructor(
    mixw: Uint8Array,
    readonly senoneCodebook: Int32Array,
    readonly streams: number,
    readonly codebooks: number,
    readonly densities: number,
  ) {
    const senones = senoneCodebook.length;
    if (mixw.length !== streams * senones * densities)
      throw new TypeError(
        `mixture weights: ${mixw.length} bytes, expected ${streams} × ${senones} × ${densities}`,
      );
    const table = Float32Array.from({ length: 256 }, (_, b) => Math.exp(-b * natsPerStep));
    this.weights = Float32Array.from(mixw, (b) => table[b] as number);
    this.recent = new Float64Array(recentFrames * senones);
    this.recentKeys = new Float64Array(recentFrames * senones).fill(-1);
  }

  get senones(): number {
    return this.senoneCodebook.length;
  }

  /** The frames of one selection as senone scores, computed when read. */
  frames(selection: GaussianSelection): SenoneFrames {
    const { streams, codebooks, densities, weights, senoneCodebook, recent, recentKeys } = this;
    const senones = this.senones;
    const kept = selection.kept ?? topGaussians;
    const perFrame = streams * codebooks * kept;
    if (selection.top.length < selection.frames * perFrame)
      throw new RangeError(`selection: ${selection.top.length} values for ${selection.frames} frames`);
    // This run's frames are keys first .. first + frames - 1 of the recent-frames cache.
    const first = this.nextKey;
    this.nextKey += selection.frames;
    // Per frame and stream: the best Gaussian, and every kept Gaussian's likelihood relative to it.
    const rel = new Float64Array(selection.frames * perFrame);
    for (let t = 0; t < selection.frames; t++) {
      for (let st = 0; st < streams; st++) {
        const base = (t * streams + st) * codebooks * kept;
        let best = -Infinity;
        for (let c = 0; c < codebooks; c++) best = Math.max(best, selection.top[base + c * kept] as number);
        for (let i = 0; i < codebooks * kept; i++)
          rel[base + i] = Math.exp(Math.max((selection.top[base + i] as number) - best, floorNats));
      }
    }
    const { index } = selection;
    return {
      frames: selection.frames,
      score(t: number, s: number): number {
        const key = first + t;
        const at = (key % recentFrames) * senones + s;
        if (recentKeys[at] === key) return recent[at] as number;
        const c = senoneCodebook[s] as number;
        let product = 1;
        for (let st = 0; st < streams; st++) {
          const g = ((t * streams + st) * codebooks + c) * kept;
          const w = (st * senones + s) * densities;
          let sum = 0;
          for (let k = 0; k < kept; k++)
            sum += (weights[w + (index[g + k] as number)] as number) * (rel[g + k] as number);
          product *= sum;
        }
        const score = Math.log(product);
        recent[at] = score;
        recentKeys[at] = key;
        return score;
      },
    };
  }
}
