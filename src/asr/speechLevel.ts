/**
 * How far a parse's words stand above the sound around them, from the utterance's c0 (the first cepstrum,
 * the frame's log energy over the mel filters): the confidence's measure of noise. Clean speech stands 25 dB
 * or more above the pauses around it; the same words mixed with kitchen noise at 6 dB stand about 8 dB above
 * the noise (Speech Commands tuning speakers, median).
 */

/** c0 of a frame of digital silence, as the front end computes it (5·ln(1e-4)); such frames are no background. */
const digitalSilenceC0 = -40;

/** c0 units per dB: √(mel filters) · ln(10) / 10 with 25 filters (an energy ×10 adds ln 10 to each log). */
const c0PerDb = (5 * Math.LN10) / 10;

/** Background frames needed around the words; with fewer, the quietest tenth of the words' frames stands in. */
const minBackground = 5;

/**
 * The median c0 over the frames `[start, end)` of the words against the median over the frames around them
 * (frames of digital silence left out, as files padded with zeros have them), in dB. Null without frames.
 *
 * @param c0 one c0 per frame of the utterance
 */
export function speechLevelDb(c0: ArrayLike<number>, start: number, end: number): number | null {
  const words: number[] = [];
  const around: number[] = [];
  for (let t = 0; t < c0.length; t++) {
    const v = c0[t] as number;
    if (t >= start && t < end) words.push(v);
    else if (v > digitalSilenceC0) around.push(v);
  }
  if (words.length === 0) return null;
  words.sort((a, b) => a - b);
  const background =
    around.length >= minBackground
      ? median(around.sort((a, b) => a - b))
      : median(words.slice(0, Math.max(1, Math.floor(words.length / 10))));
  return (median(words) - background) / c0PerDb;
}

/** Median of sorted values (the upper one of an even count). */
function median(sorted: readonly number[]): number {
  return sorted[Math.floor(sorted.length / 2)] as number;
}
