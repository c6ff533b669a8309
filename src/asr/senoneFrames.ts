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
