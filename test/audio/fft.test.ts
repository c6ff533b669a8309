import { describe, expect, it } from 'vitest';
import { RealFft } from '../../src/audio/fft.ts';

function naiveDft(x: Float64Array, size: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(size / 2 + 1);
  const im = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) {
    for (let n = 0; n < x.length; n++) {
      const a = (-2 * Math.PI * k * n) / size;
      re[k] = (re[k] as number) + (x[n] as number) * Math.cos(a);
      im[k] = (im[k] as number) + (x[n] as number) * Math.sin(a);
    }
  }
  return { re, im };
}

describe('RealFft', () => {
  it.each([4, 8, 64, 512])('matches a naive DFT for size %i', (size) => {
    let seed = size;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const x = Float64Array.from({ length: size }, rand);
    const fft = new RealFft(size);
    const re = new Float64Array(size / 2 + 1);
    const im = new Float64Array(size / 2 + 1);
    fft.forward(x, re, im);
    const ref = naiveDft(x, size);
    for (let k = 0; k <= size / 2; k++) {
      expect(re[k]).toBeCloseTo(ref.re[k] as number, 9);
      expect(im[k]).toBeCloseTo(ref.im[k] as number, 9);
    }
  });

  it('zero-pads short input and gives the power spectrum', () => {
    const x = Float64Array.from({ length: 400 }, (_, n) => Math.sin(n / 3) + (0.1 * n) / 400);
    const fft = new RealFft(512);
    const power = new Float64Array(257);
    fft.power(x, power);
    const ref = naiveDft(x, 512);
    for (let k = 0; k <= 256; k++) {
      const p = (ref.re[k] as number) ** 2 + (ref.im[k] as number) ** 2;
      expect(Math.abs((power[k] as number) - p)).toBeLessThan(1e-9 * Math.max(1, p));
    }
  });

  it('puts a pure tone in its bin', () => {
    const fft = new RealFft(512);
    const x = Float64Array.from({ length: 512 }, (_, n) => Math.cos((2 * Math.PI * 32 * n) / 512));
    const power = new Float64Array(257);
    fft.power(x, power);
    expect(power[32]).toBeCloseTo(256 * 256, 6);
    expect(power[31]).toBeLessThan(1e-12);
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => new RealFft(400)).toThrow(TypeError);
    expect(() => new RealFft(2)).toThrow(TypeError);
  });
});
