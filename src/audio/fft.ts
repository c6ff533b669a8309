/**
 * Radix-2 FFT of real input, computed in Float64 with precomputed twiddles and bit-reversal.
 * A real input of `size` samples is packed into a complex FFT of `size / 2` points and then split,
 * which halves the work. Not safe to share between concurrent callers (it owns scratch buffers).
 */
export class RealFft {
  /** Transform length in samples (a power of two, at least 4). */
  readonly size: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** cos/sin of -2πk/half, k < half/2: twiddles of the half-size complex FFT. */
  private readonly cosHalf: Float64Array;
  private readonly sinHalf: Float64Array;
  /** cos/sin of -2πk/size, k ≤ half: twiddles of the real-split step. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly powerIm: Float64Array;

  /** @param size - transform length in samples: a power of two, at least 4 */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new TypeError(`size must be a power of two >= 4, got ${size}`);
    }
    this.size = size;
    const half = size / 2;
    this.half = half;
    const bits = Math.log2(half);
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.cosHalf = new Float64Array(half / 2);
    this.sinHalf = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.cosHalf[k] = Math.cos((-2 * Math.PI * k) / half);
      this.sinHalf[k] = Math.sin((-2 * Math.PI * k) / half);
    }
    this.cosFull = new Float64Array(half + 1);
    this.sinFull = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cosFull[k] = Math.cos((-2 * Math.PI * k) / size);
      this.sinFull[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.powerIm = new Float64Array(half + 1);
  }

  /**
   * Forward transform X[k] = Σ x[n]·e^(−2πikn/size) for k = 0 … size/2.
   * @param input - `size` real samples (shorter input is zero-padded; longer is an error)
   * @param outRe - receives the real parts, length ≥ size/2 + 1
   * @param outIm - receives the imaginary parts, length ≥ size/2 + 1
   */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const { half, re, im } = this;
    if (input.length > this.size) throw new RangeError(`input longer than ${this.size}`);
    if (outRe.length < half + 1 || outIm.length < half + 1) {
      throw new RangeError(`outputs need ${half + 1} elements`);
    }
    // Pack z[n] = x[2n] + i·x[2n+1], stored in bit-reversed order for the in-place butterflies.
    for (let n = 0; n < half; n++) {
      const j = this.bitReverse[n] as number;
      const a = 2 * n < input.length ? (input[2 * n] as number) : 0;
      const b = 2 * n + 1 < input.length ? (input[2 * n + 1] as number) : 0;
      re[j] = a;
      im[j] = b;
    }
    this.complexInPlace();
    // Split: X[k] = E[k] + W^k·O[k], with E = (Z[k] + conj Z[half−k]) / 2, O = (Z[k] − conj Z[half−k]) / 2i.
    for (let k = 0; k <= half; k++) {
      const k1 = k % half;
      const k2 = (half - k) % half;
      const zr = re[k1] as number;
      const zi = im[k1] as number;
      const cr = re[k2] as number;
      const ci = -(im[k2] as number);
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      // (z − c) / 2i = (di − i·dr) / 2 … with d = z − c
      const or = 0.5 * (zi - ci);
      const oi = -0.5 * (zr - cr);
      const wr = this.cosFull[k] as number;
      const wi = this.sinFull[k] as number;
      outRe[k] = er + wr * or - wi * oi;
      outIm[k] = ei + wr * oi + wi * or;
    }
  }

  /**
   * Power spectrum |X[k]|² for k = 0 … size/2.
   * @param input - `size` real samples (shorter input is zero-padded)
   * @param out - receives size/2 + 1 values
   */
  power(input: ArrayLike<number>, out: Float64Array): void {
    const outIm = this.powerIm;
    this.forward(input, out, outIm);
    for (let k = 0; k <= this.half; k++) {
      const r = out[k] as number;
      const i = outIm[k] as number;
      out[k] = r * r + i * i;
    }
  }

  private complexInPlace(): void {
    const { half, re, im, cosHalf, sinHalf } = this;
    for (let len = 2; len <= half; len *= 2) {
      const step = half / len;
      const mid = len / 2;
      for (let start = 0; start < half; start += len) {
        for (let k = 0; k < mid; k++) {
          const wr = cosHalf[k * step] as number;
          const wi = sinHalf[k * step] as number;
          const a = start + k;
          const b = a + mid;
          const br = re[b] as number;
          const bi = im[b] as number;
          const tr = wr * br - wi * bi;
          const ti = wr * bi + wi * br;
          const ar = re[a] as number;
          const ai = im[a] as number;
          re[a] = ar + tr;
          im[a] = ai + ti;
          re[b] = ar - tr;
          im[b] = ai - ti;
        }
      }
    }
  }
}
