/** One triangular mel filter stored sparsely: weights for FFT bins `start … start + weights.length − 1`. */
export interface MelFilter {
  /** First FFT bin with a non-zero weight. */
  start: number;
  /** Weights for consecutive bins from `start`. */
  weights: Float64Array;
}

/** Parameters of a mel filterbank; all frequencies in Hz. */
export interface MelFilterbankOptions {
  sampleRate: number;
  fftSize: number;
  melBins: number;
  lowHz: number;
  highHz: number;
}

/** HTK mel scale: 1127 · ln(1 + f / 700), f in Hz. */
export function hzToMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

/**
 * Triangular filters equally spaced on the HTK mel scale, with weights computed on each FFT bin's centre
 * frequency in the mel domain (as Kaldi does). Follows scripts/voxtrain/features.py `mel_filterbank`
 * operation for operation so the floats agree.
 */
export function melFilterbank(options: MelFilterbankOptions): MelFilter[] {
  const { sampleRate, fftSize, melBins, lowHz, highHz } = options;
  const bins = fftSize / 2 + 1;
  const low = hzToMel(lowHz);
  const high = hzToMel(highHz);
  const delta = (high - low) / (melBins + 1);
  const binMel = new Float64Array(bins);
  for (let k = 0; k < bins; k++) binMel[k] = hzToMel((k * sampleRate) / fftSize);
  const filters: MelFilter[] = [];
  for (let m = 0; m < melBins; m++) {
    const left = low + m * delta;
    const centre = low + (m + 1) * delta;
    const right = low + (m + 2) * delta;
    const dense = new Float64Array(bins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < bins; k++) {
      const mel = binMel[k] as number;
      const up = (mel - left) / (centre - left);
      const down = (right - mel) / (right - centre);
      const w = Math.max(0, Math.min(up, down));
      dense[k] = w;
      if (w > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    // A filter narrower than a bin spacing can be all zero; keep it as an empty filter (log floor).
    filters.push(
      first < 0
        ? { start: 0, weights: new Float64Array(0) }
        : { start: first, weights: dense.slice(first, last + 1) },
    );
  }
  return filters;
}
