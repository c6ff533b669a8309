import { describe, expect, it } from 'vitest';
import { Resampler, resample } from '../../src/audio/resample.ts';

const PAIRS: Array<[number, number]> = [
  [48000, 16000],
  [44100, 16000],
  [8000, 16000],
  [16000, 24000],
  [16000, 48000],
  [22050, 16000],
];

function tone(freq: number, sampleRate: number, length: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length }, (_, n) => amplitude * Math.sin((2 * Math.PI * freq * n) / sampleRate));
}

/** Amplitude of `freq` in `x` (Hann-windowed correlation, so leakage from far tones is negligible). */
function toneAmplitude(x: Float32Array, freq: number, sampleRate: number): number {
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let n = 0; n < x.length; n++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / x.length);
    const a = (2 * Math.PI * freq * n) / sampleRate;
    re += w * (x[n] as number) * Math.cos(a);
    im += w * (x[n] as number) * Math.sin(a);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

function randomSignal(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1);
}

describe('Resampler', () => {
  it.each(PAIRS)('%i → %i: streaming over random chunks equals one-shot', (from, to) => {
    const input = randomSignal(Math.round(from * 0.25) + 7, from + to);
    const expected = resample(input, from, to);
    expect(expected.length).toBe(Math.ceil((input.length * to) / from));
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    for (let trial = 0; trial < 4; trial++) {
      const resampler = new Resampler(from, to);
      const parts: Float32Array[] = [];
      for (let at = 0; at < input.length;) {
        const size = trial === 0 ? 1 : rand(trial * 1500) + 1;
        parts.push(resampler.push(input.subarray(at, at + size)));
        at += size;
      }
      parts.push(resampler.flush());
      const got = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((o, p) => (got.set(p, o), o + p.length), 0);
      expect(got).toEqual(expected);
    }
  });

  it.each(PAIRS)('%i → %i: passes a 1 kHz tone in time and at full amplitude', (from, to) => {
    const input = tone(1000, from, from / 2);
    const out = resample(input, from, to);
    const ideal = tone(1000, to, out.length);
    // Away from the edges (where the filter sees the silence before/after) the output is the ideal tone.
    let maxErr = 0;
    for (let n = Math.round(to * 0.05); n < out.length - to * 0.05; n++) {
      maxErr = Math.max(maxErr, Math.abs((out[n] as number) - (ideal[n] as number)));
    }
    expect(maxErr).toBeLessThan(0.5 * 1e-3);
  });

  it.each([
    [48000, 16000, 10000],
    [44100, 16000, 9000],
    [48000, 16000, 8100],
    [22050, 16000, 10000],
  ])('%i → %i: removes a %i Hz tone that would alias (≥ 70 dB)', (from, to, freq) => {
    const out = resample(tone(freq, from, from, 1), from, to);
    const middle = out.subarray(to * 0.1, to * 0.9);
    const aliasHz = to - freq;
    expect(toneAmplitude(middle, aliasHz, to)).toBeLessThan(10 ** (-70 / 20));
  });

  it('keeps speech-band tones flat to 6.5 kHz when decimating 48 → 16 kHz', () => {
    for (const freq of [200, 3000, 6500]) {
      const out = resample(tone(freq, 48000, 48000, 1), 48000, 16000);
      expect(Math.abs(toneAmplitude(out.subarray(1600, 14400), freq, 16000) - 1)).toBeLessThan(0.01);
    }
  });

  it('suppresses images when interpolating 16 → 48 kHz (≥ 70 dB)', () => {
    const out = resample(tone(3000, 16000, 16000, 1), 16000, 48000);
    const middle = out.subarray(4800, 43200);
    expect(toneAmplitude(middle, 3000, 48000)).toBeCloseTo(1, 2);
    for (const image of [13000, 19000, 29000]) {
      expect(toneAmplitude(middle, image, 48000)).toBeLessThan(10 ** (-70 / 20));
    }
  });

  it('copies through when the rates are equal, and restarts after flush()', () => {
    const input = randomSignal(1000, 3);
    const same = new Resampler(16000, 16000);
    expect(same.push(input)).toEqual(input);
    expect(same.flush().length).toBe(0);
    const r = new Resampler(48000, 16000);
    const first = [r.push(input), r.flush()];
    const second = [r.push(input), r.flush()];
    expect(second).toEqual(first);
  });

  it('validates rates and options, naming the field', () => {
    expect(() => new Resampler(0, 16000)).toThrow(/fromRate/);
    expect(() => new Resampler(16000, 44100.5)).toThrow(/toRate/);
    expect(() => new Resampler(48000, 16000, { rolloff: 1.5 })).toThrow(/rolloff/);
    expect(() => new Resampler(48000, 16000, { zeroCrossings: 0 })).toThrow(/zeroCrossings/);
  });
});
