import { describe, expect, it } from 'vitest';
import { speechLevelDb } from '../../src/asr/speechLevel.ts';

/** c0 units per dB with 25 mel filters (√25 · ln 10 / 10). */
const perDb = (5 * Math.LN10) / 10;

describe('speechLevelDb', () => {
  it('is the words’ median c0 over the median of the frames around them, in dB', () => {
    // 10 frames of background at c0 10, 20 of words at c0 10 + 20 dB, 10 of background again.
    const c0 = [...Array(10).fill(10), ...Array(20).fill(10 + 20 * perDb), ...Array(10).fill(10)];
    expect(speechLevelDb(c0, 10, 30)).toBeCloseTo(20, 6);
  });

  it('leaves out digital silence (zero padding) around the words', () => {
    const c0 = [
      ...Array(30).fill(-46.05),
      ...Array(6).fill(20),
      ...Array(20).fill(20 + 12 * perDb),
      ...Array(30).fill(-46.05),
    ];
    expect(speechLevelDb(c0, 36, 56)).toBeCloseTo(12, 6);
  });

  it('falls back on the quietest tenth of the words without background, and is null without words', () => {
    const words = Array.from({ length: 20 }, (_, i) => (i < 2 ? 0 : 30 * perDb));
    expect(speechLevelDb(words, 0, 20)).toBeCloseTo(30, 6);
    expect(speechLevelDb([1, 2, 3], 2, 2)).toBeNull();
  });
});
