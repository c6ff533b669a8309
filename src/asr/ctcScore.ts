/**
 * Log-score of the best CTC alignment of one token sequence (no blanks; blank = token 0) to an utterance's
 * log-probabilities: what {@link GraphDecoder} scores a grammar path with, for a single fixed sequence. The
 * second pass uses it to score candidates the first pass did not end on. -Infinity if the frames are too
 * few for the sequence.
 *
 * @param logProbs row-major [frames, tokens]
 */
export function ctcViterbiScore(
  logProbs: Float32Array,
  frames: number,
  tokens: number,
  sequence: readonly number[],
): number {
  const states = 2 * sequence.length + 1; // blank, y1, blank, y2, …, blank
  const tokenOf = (s: number) => (s % 2 === 0 ? 0 : (sequence[(s - 1) / 2] as number));
  let alpha = new Float64Array(states).fill(-Infinity);
  let next = new Float64Array(states);
  if (frames === 0) return sequence.length === 0 ? 0 : -Infinity;
  alpha[0] = logProbs[tokenOf(0)] as number;
  if (states > 1) alpha[1] = logProbs[tokenOf(1)] as number;
  for (let t = 1; t < frames; t++) {
    const base = t * tokens;
    for (let s = 0; s < states; s++) {
      let best = alpha[s] as number;
      if (s > 0) best = Math.max(best, alpha[s - 1] as number);
      // skip the blank between two phones, unless they are the same phone
      if (s > 1 && s % 2 === 1 && tokenOf(s) !== tokenOf(s - 2))
        best = Math.max(best, alpha[s - 2] as number);
      next[s] = best + (logProbs[base + tokenOf(s)] as number);
    }
    [alpha, next] = [next, alpha];
  }
  return Math.max(alpha[states - 1] as number, states > 1 ? (alpha[states - 2] as number) : -Infinity);
}
