import { describe, expect, it } from 'vitest';
import { mulberry32, randomIndex } from '../../src/context/prng.ts';

describe('mulberry32', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(Array.from({ length: 5 }, c)).not.toEqual(seqA);
  });

  it('stays in [0, 1) and spreads evenly over ten buckets', () => {
    const rng = mulberry32(1);
    const buckets = new Array<number>(10).fill(0);
    let [lo, hi] = [1, 0];
    for (let i = 0; i < 10_000; i++) {
      const x = rng();
      [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
      buckets[randomIndex(() => x, 10)]! += 1;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // Expected 1,000 per bucket; 850 is more than 4 standard deviations below.
    expect(Math.min(...buckets)).toBeGreaterThan(850);
  });
});
