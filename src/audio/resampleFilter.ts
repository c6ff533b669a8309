/** Design parameters of the resampler's windowed-sinc low-pass filter. */
export interface ResamplerOptions {
  /**
   * Sinc zero crossings on each side of the centre, counted at the lower of the two rates. More means a
   * sharper transition band and more work per sample. Default 32.
   */
  zeroCrossings: number;
  /** Cutoff as a fraction of the lower rate's Nyquist frequency, in (0, 1]. Default 0.91. */
  rolloff: number;
  /** Kaiser window β: about 8.6 gives ~86 dB stopband attenuation. Default 8.6. */
  kaiserBeta: number;
}

/** Defaults: flat to ~6.6 kHz and ≥ 80 dB down from 8 kHz when converting to or from 16 kHz. */
export const defaultResamplerOptions: Readonly<ResamplerOptions> = Object.freeze({
  zeroCrossings: 32,
  rolloff: 0.91,
  kaiserBeta: 8.6,
});

/** A polyphase filter table for the rational ratio `up / down`. */
export interface PolyphaseTable {
  /** Interpolation factor L (output rate / gcd). */
  up: number;
  /** Decimation factor M (input rate / gcd). */
  down: number;
  /** Input samples per output sample, centred: taps = 2 · half. */
  half: number;
  /** Taps per phase. */
  taps: number;
  /** `up` phases of `taps` coefficients each; phase p, tap k at `p * taps + k`. */
  coefficients: Float64Array;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Validates options and builds the polyphase table for `fromRate → toRate`. Output sample n sits at input
 * time n·M/L; phase p = (n·M) mod L holds the filter taps for input samples i − half + 1 … i + half where
 * i = ⌊n·M/L⌋. Each phase is normalised to unit DC gain.
 */
export function designPolyphase(fromRate: number, toRate: number, options: ResamplerOptions): PolyphaseTable {
  for (const [name, rate] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!Number.isInteger(rate) || rate <= 0)
      throw new TypeError(`${name} must be a positive integer Hz, got ${rate}`);
  }
  const { zeroCrossings, rolloff, kaiserBeta } = options;
  if (!Number.isInteger(zeroCrossings) || zeroCrossings < 1) {
    throw new TypeError(`zeroCrossings must be a positive integer, got ${zeroCrossings}`);
  }
  if (!(rolloff > 0 && rolloff <= 1)) throw new TypeError(`rolloff must be in (0, 1], got ${rolloff}`);
  if (!(kaiserBeta >= 0)) throw new TypeError(`kaiserBeta must be >= 0, got ${kaiserBeta}`);

  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cutoff in cycles per input sample × 2 (1 = input Nyquist); below the output Nyquist when decimating.
  const scale = Math.min(1, up / down);
  const cutoff = scale * rolloff;
  const width = zeroCrossings / scale; // half-width of the window in input samples
  const half = Math.ceil(width);
  const taps = 2 * half;
  const coefficients = new Float64Array(up * taps);
  const i0Beta = besselI0(kaiserBeta);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      // Distance from the output instant (i + p/L) to input sample i − half + 1 + k.
      const t = p / up + half - 1 - k;
      const r = t / width;
      let h = 0;
      if (Math.abs(r) < 1) {
        const x = Math.PI * cutoff * t;
        const sinc = x === 0 ? 1 : Math.sin(x) / x;
        h = cutoff * sinc * (besselI0(kaiserBeta * Math.sqrt(1 - r * r)) / i0Beta);
      }
      coefficients[p * taps + k] = h;
      sum += h;
    }
    for (let k = 0; k < taps; k++) coefficients[p * taps + k] = (coefficients[p * taps + k] as number) / sum;
  }
  return { up, down, half, taps, coefficients };
}
