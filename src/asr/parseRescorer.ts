import type { GraphHypothesis } from './graphDecoder.ts';
import type { SenoneFrames } from './senoneFrames.ts';

/**
 * A second opinion on an utterance's complete parses once its final pass has decoded it: the audio–text
 * fusion model on the CMU path (src/runtime/cmuFusion.ts) reads the pass's senone scores and each parse, and
 * gives each a new confidence statistic. {@link SenoneRecognizer} answers with the parse it rates best.
 */
export interface ParseRescorer {
  /** Most parses it weighs, the decoder's best first; the others are out of the running. */
  readonly maxCandidates: number;
  /**
   * New statistics for `parses` (best first by the decoder, each with its own statistic as `ratio`), on the
   * decoder statistic's scale: at or above the accept threshold's statistic is accepted. `scores` are the
   * final pass's, every frame of the utterance.
   */
  rescore(scores: SenoneFrames, parses: readonly GraphHypothesis[]): Promise<readonly number[]>;
}
