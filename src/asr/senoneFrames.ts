/**
 * Senone scores of a run of frames, as the decoders read them: natural-log likelihoods, comparable within a
 * frame (each frame may be offset by a constant of its own, which every path through it pays alike).
 */
export interface SenoneFrames {
  readonly frames: number;
  /** The score of senone `senone` at frame `t` (0 ≤ t < frames). */
  score(t: number, senone: number): number;
}

/** Frames whose every senone score is already computed: [frames, senones] row-major. */
export function denseSenoneFrames(scores: Float32Array, frames: number, senones: number): SenoneFrames {
  return { frames, score: (t, s) => scores[t * senones + s] as number };
}

/**
 * Frame downsampling of the acoustic scores (pocketsphinx's `-ds`): `frames` frames of which only every
 * `ratio`-th (0, ratio, 2·ratio, …) was scored, as the `ceil(frames / ratio)` frames of `kept`; each frame in
 * between reads the scores of the last scored frame before it. The decoder still advances every frame.
 */
export function downsampledSenoneFrames(kept: SenoneFrames, ratio: number, frames: number): SenoneFrames {
  if (!(Number.isInteger(ratio) && ratio >= 1) || kept.frames !== Math.ceil(frames / ratio))
    throw new RangeError(`${kept.frames} scored frames do not make ${frames} frames at 1 in ${ratio}`);
  if (ratio === 1) return kept;
  return { frames, score: (t, s) => kept.score(Math.floor(t / ratio), s) };
}

/** Scores one stream's chunk of features (through the shared, batched acoustic model). */
export interface SenoneModel {
  /** Feature values per frame of input. */
  readonly dim: number;
  /**
   * [frames, dim] features in, the frames' senone scores out. `everyFrame`: score every frame even where the
   * model downsamples frames (the second pass, whose result is final).
   */
  run(feats: Float32Array, frames: number, everyFrame?: boolean): Promise<SenoneFrames>;
}
