/**
 * How a parse's likelihood ratio against the phone loop becomes the statistic the accept threshold applies to:
 * `(ratio - floor) * sqrt(frames / refFrames)`, where `ratio` is the per-frame log-likelihood ratio over the
 * parse's words and `frames` their length. A per-frame mean over more frames varies less, so a long command
 * needs less margin above the floor than a short one: the threshold on the mean is
 * `floor + threshold * sqrt(refFrames / frames)`. A single per-frame threshold either rejected most long
 * sentences right (speechocean762) or accepted too many out-of-context single words (Speech Commands).
 */
export interface RatioStatistic {
  /**
   * Per-frame ratio a very long parse needs. Default -0.6 (scripts/realspeech/tune.ts; see the model card); the
   * runtime sets -0.4 with the noisy-utterance pass (src/runtime/cmuBackend.ts `cmuConfidence`).
   */
  floor: number;
  /** Frames (10 ms) at which the statistic equals the ratio's margin above the floor. Default 50. */
  refFrames: number;
  /**
   * The floor of the utterance's result (what the accept threshold applies to) where it is not {@link floor},
   * which the live statistic keeps (the early endpoint and the sure first pass measure with it); null: the
   * same. Default null.
   */
  finalFloor: number | null;
  /**
   * Noise allowance: a final parse whose words stand `level` dB above the sound around them
   * (`speechLevelDb`) gets `noiseBonus * clamp((noiseRefDb - level) / noiseRefDb, 0, 1)` added, since
   * noise lowers the ratio of the right parse as much as that of a wrong one. 0: none. Needs the utterance's
   * cepstra (the second pass's side data); without them nothing is added.
   */
  noiseBonus: number;
  /** Level (dB) from which down the noise allowance grows; at 0 dB it is whole. */
  noiseRefDb: number;
  /**
   * Weight of the worst phone: a final parse whose phones, aligned again after the final pass
   * (`SenoneRecognizer.phones`), have their worst per-frame ratio against the phone loop at `worst` gets
   * `worstPhoneWeight * min(worst - finalFloor, 2)` added. A per-frame mean over the words lets a long vowel
   * outweigh the one consonant that tells an out-of-context word or sentence from a command. 0: none. Nothing
   * is added where no final pass ran (the first pass stood).
   */
  worstPhoneWeight: number;
}

export const defaultRatioStatistic: RatioStatistic = {
  floor: -0.6,
  refFrames: 50,
  finalFloor: null,
  noiseBonus: 0,
  noiseRefDb: 20,
  worstPhoneWeight: 0,
};

/** Most the worst phone's ratio counts above the floor ({@link RatioStatistic.worstPhoneWeight}). */
export const worstPhoneCap = 2;

/** A phone of a final parse aligned to the utterance's frames (`SenoneRecognizer.phones`). */
export interface AlignedPhone {
  /** Its HMM in the grammar's graph. */
  readonly hmm: number;
  readonly frames: number;
  /** Per-frame log-likelihood ratio against the phone loop over its frames. */
  readonly ratio: number;
  /** Per-frame senone and transition log-score. */
  readonly score: number;
}

/**
 * The noise allowance ({@link RatioStatistic.noiseBonus}) for words that stand `level` dB above the sound around
 * them; 0 when the level is unknown or the allowance is off.
 */
export function noiseAllowance(
  level: number | null,
  { noiseBonus, noiseRefDb }: Pick<RatioStatistic, 'noiseBonus' | 'noiseRefDb'>,
): number {
  if (level === null || noiseBonus === 0) return 0;
  return noiseBonus * Math.min(1, Math.max(0, (noiseRefDb - level) / noiseRefDb));
}

/**
 * The worst-phone term of a final parse ({@link RatioStatistic.worstPhoneWeight}) from its aligned phones,
 * above `floor` (the result's floor); 0 without phones or weight.
 */
export function worstPhoneTerm(
  phones: readonly AlignedPhone[] | null,
  { worstPhoneWeight }: Pick<RatioStatistic, 'worstPhoneWeight'>,
  floor: number,
): number {
  if (!phones || phones.length === 0 || worstPhoneWeight === 0) return 0;
  const worst = phones.reduce((m, p) => Math.min(m, p.ratio), Infinity);
  return worstPhoneWeight * Math.min(worst - floor, worstPhoneCap);
}
