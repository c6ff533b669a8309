import {
  defaultResamplerOptions,
  designPolyphase,
  type PolyphaseTable,
  type ResamplerOptions,
} from './resampleFilter.ts';

// Tables depend only on (rates, options) and are read-only: share them between sessions.
const tableCache = new Map<string, PolyphaseTable>();

function tableFor(fromRate: number, toRate: number, options: ResamplerOptions): PolyphaseTable {
  const key = `${fromRate}:${toRate}:${options.zeroCrossings}:${options.rolloff}:${options.kaiserBeta}`;
  let table = tableCache.get(key);
  if (table === undefined) {
    table = designPolyphase(fromRate, toRate, options);
    tableCache.set(key, table);
  }
  return table;
}

/**
 * Streaming sample-rate converter: a Kaiser-windowed sinc low-pass in polyphase form (anti-aliasing when
 * decimating, anti-imaging when interpolating), exact rational ratio. Output sample n is the signal at input
 * time n · fromRate / toRate, so the filter's look-ahead of about `zeroCrossings` samples at the lower
 * rate (2 ms at 16 kHz) is held back until more input or {@link flush} arrives. Output is identical for any
 * chunking of the same input. One instance per stream.
 */
export class Resampler {
  /** Input sample rate in Hz. */
  readonly fromRate: number;
  /** Output sample rate in Hz. */
  readonly toRate: number;
  private readonly table: PolyphaseTable;
  /** Input samples still needed, starting at absolute index `bufferStart`. */
  private buffer: Float32Array;
  private bufferLength = 0;
  /** Next output's integer input position and phase, relative to `buffer[0]`. */
  private position = 0;
  private phase = 0;

  /**
   * @param fromRate - input sample rate in Hz
   * @param toRate - output sample rate in Hz
   * @param options - filter design, merged over {@link defaultResamplerOptions}
   * @throws TypeError naming the bad field
   */
  constructor(fromRate: number, toRate: number, options: Partial<ResamplerOptions> = {}) {
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.table = tableFor(fromRate, toRate, { ...defaultResamplerOptions, ...options });
    this.buffer = new Float32Array(this.table.taps + 4096);
    this.reset();
  }

  /**
   * Adds input and returns every output sample it completes.
   * @param pcm - Float32Array PCM at `fromRate`
   * @returns Float32Array PCM at `toRate` (possibly empty)
   */
  push(pcm: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) return pcm.slice();
    this.append(pcm);
    return this.drain();
  }

  /**
   * Ends the stream: returns the outputs still held back (treating later input as silence) so that the
   * total output is ⌈inputSamples · toRate / fromRate⌉ samples, then resets for a new stream.
   * @returns Float32Array PCM at `toRate` (possibly empty)
   */
  flush(): Float32Array {
    if (this.fromRate === this.toRate) return new Float32Array(0);
    const { half } = this.table;
    this.append(new Float32Array(half));
    const out = this.drain();
    this.reset();
    return out;
  }

  /** Drops buffered input, ready for a new stream. */
  reset(): void {
    const { half } = this.table;
    // Samples before the stream's start are silence: half − 1 of them precede input sample 0.
    this.buffer.fill(0, 0, half - 1);
    this.bufferLength = half - 1;
    this.position = half - 1;
    this.phase = 0;
  }

  private append(pcm: Float32Array): void {
    const needed = this.bufferLength + pcm.length;
    if (needed > this.buffer.length) {
      const bigger = new Float32Array(Math.max(needed, 2 * this.buffer.length));
      bigger.set(this.buffer.subarray(0, this.bufferLength));
      this.buffer = bigger;
    }
    this.buffer.set(pcm, this.bufferLength);
    this.bufferLength = needed;
  }

  /** Computes every output whose taps all lie inside the buffer. */
  private drain(): Float32Array {
    const { up, down, half, taps, coefficients } = this.table;
    // Output k needs input up to position_k + half, so position_k ≤ last. After flush() appends `half`
    // zeros, `last` is the final real sample: exactly the outputs at input times before the end remain.
    const last = this.bufferLength - 1 - half;
    const count = Math.max(0, Math.ceil(((last - this.position + 1) * up - this.phase) / down));
    const out = new Float32Array(count);
    const buffer = this.buffer;
    let position = this.position;
    let phase = this.phase;
    for (let n = 0; n < count; n++) {
      const base = position - half + 1;
      const c = phase * taps;
      // Four partial sums: shorter dependency chains for the JIT (taps is always even).
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let k = 0;
      for (; k + 3 < taps; k += 4) {
        a0 += (buffer[base + k] as number) * (coefficients[c + k] as number);
        a1 += (buffer[base + k + 1] as number) * (coefficients[c + k + 1] as number);
        a2 += (buffer[base + k + 2] as number) * (coefficients[c + k + 2] as number);
        a3 += (buffer[base + k + 3] as number) * (coefficients[c + k + 3] as number);
      }
      for (; k < taps; k++) a0 += (buffer[base + k] as number) * (coefficients[c + k] as number);
      out[n] = a0 + a1 + (a2 + a3);
      phase += down;
      if (phase >= up) {
        position += Math.floor(phase / up);
        phase %= up;
      }
    }
    // Keep only what later outputs need: samples from position − half + 1 on.
    const drop = Math.max(0, Math.min(position - half + 1, this.bufferLength));
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.bufferLength);
      this.bufferLength -= drop;
      position -= drop;
    }
    this.position = position;
    this.phase = phase;
    return out;
  }
}

/**
 * One-shot sample-rate conversion, identical to one {@link Resampler} push followed by its flush.
 * @param pcm - Float32Array PCM at `fromRate`
 * @param fromRate - input sample rate in Hz
 * @param toRate - output sample rate in Hz
 * @returns Float32Array PCM at `toRate`, ⌈pcm.length · toRate / fromRate⌉ samples
 */
export function resample(pcm: Float32Array, fromRate: number, toRate: number): Float32Array {
  const resampler = new Resampler(fromRate, toRate);
  const head = resampler.push(pcm);
  const tail = resampler.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
