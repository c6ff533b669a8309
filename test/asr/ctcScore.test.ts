import { describe, expect, it } from 'vitest';
import { ctcViterbiScore } from '../../src/asr/index.ts';
import { mulberry32 } from '../../src/context/prng.ts';

/** Every alignment of `frames` tokens that collapses (repeats merged, blanks dropped) to `sequence`: the best sum. */
function bruteForce(lp: Float32Array, frames: number, tokens: number, sequence: number[]): number {
  let best = -Infinity;
  const path = new Array<number>(frames).fill(0);
  const walk = (t: number, sum: number) => {
    if (t === frames) {
      const collapsed = path.filter((k, i) => k !== 0 && (i === 0 || path[i - 1] !== k));
      if (collapsed.join() === sequence.join()) best = Math.max(best, sum);
      return;
    }
    for (let k = 0; k < tokens; k++) {
      path[t] = k;
      walk(t + 1, sum + (lp[t * tokens + k] as number));
    }
  };
  walk(0, 0);
  return best;
}

function randomLogProbs(frames: number, tokens: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const lp = new Float32Array(frames * tokens);
  for (let t = 0; t < frames; t++) {
    const row = Array.from({ length: tokens }, () => random() * 4);
    const norm = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
    row.forEach((x, k) => {
      lp[t * tokens + k] = x - norm;
    });
  }
  return lp;
}

describe('ctcViterbiScore', () => {
  it('equals the best alignment found by enumerating them all', () => {
    const sequences = [[1], [2, 1], [1, 1], [1, 2, 1], [2, 2, 2], []];
    for (const [seed, sequence] of sequences.entries()) {
      const lp = randomLogProbs(6, 3, seed + 1);
      expect(ctcViterbiScore(lp, 6, 3, sequence)).toBeCloseTo(bruteForce(lp, 6, 3, sequence), 4);
    }
  });

  it('is -Infinity when the frames cannot hold the sequence (a repeated phone needs a blank between)', () => {
    const lp = randomLogProbs(2, 3, 9);
    expect(ctcViterbiScore(lp, 2, 3, [1, 1])).toBe(-Infinity);
    expect(ctcViterbiScore(lp, 2, 3, [1, 2, 1])).toBe(-Infinity);
    expect(ctcViterbiScore(lp, 2, 3, [1, 2])).toBeCloseTo(bruteForce(lp, 2, 3, [1, 2]), 5);
  });
});
