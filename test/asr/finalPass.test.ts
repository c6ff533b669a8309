import { describe, expect, it } from 'vitest';
import { batchCmn, cepstraPerFrame, hasVoicedFrame, joinChunks } from '../../src/asr/finalPass.ts';

describe('final-pass helpers', () => {
  it('batch CMN subtracts the mean of the voiced frames from the static cepstra only', () => {
    const dim = 39;
    const frames = 3;
    const sides = new Float32Array(frames * cepstraPerFrame);
    // c0: voiced, voiced, unvoiced (c0 < 0: left out of the mean); c1 differs per frame.
    [
      [2, 1],
      [4, 3],
      [-5, 100],
    ].forEach(([c0, c1], t) => {
      sides[t * cepstraPerFrame] = c0 as number;
      sides[t * cepstraPerFrame + 1] = c1 as number;
    });
    const feats = new Float32Array(frames * dim).fill(7);
    const out = batchCmn(feats, sides, dim, null);
    expect(out?.frames).toBe(3);
    expect([...(out?.mean ?? [])].slice(0, 2)).toEqual([3, 2]);
    expect(out?.feats[0]).toBe(-1); // 2 − 3
    expect(out?.feats[dim + 1]).toBe(1); // 3 − 2
    expect(out?.feats[2 * dim]).toBe(-8); // −5 − 3
    expect(out?.feats[cepstraPerFrame]).toBe(7); // deltas untouched
  });

  it('batch CMN with a given mean uses it as it is', () => {
    const sides = new Float32Array(cepstraPerFrame).fill(1);
    const mean = new Float64Array(cepstraPerFrame).fill(0.5);
    const out = batchCmn(new Float32Array(39), sides, 39, null, mean);
    expect(out?.mean).toBe(mean);
    expect(out?.feats[0]).toBe(0.5);
  });

  it('tells voiced frames and joins chunks in order', () => {
    const unvoiced = new Float32Array(2 * cepstraPerFrame).fill(-1);
    expect(hasVoicedFrame(unvoiced)).toBe(false);
    unvoiced[cepstraPerFrame] = 0;
    expect(hasVoicedFrame(unvoiced)).toBe(true);
    expect([...joinChunks([new Float32Array([1, 2]), new Float32Array(0), new Float32Array([3])])]).toEqual([
      1, 2, 3,
    ]);
  });
});
