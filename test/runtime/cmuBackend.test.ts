import { describe, expect, it } from 'vitest';
import { checkFrameDownsample, cmuSenoneModel, keptFrames } from '../../src/runtime/cmuBackend.ts';
import { resolveRuntimeOptions } from '../../src/runtime/options.ts';
import { cmuMixture } from '../helpers/cmuFixture.ts';

describe('keptFrames', () => {
  it('keeps frames 0, n, 2n, … of a chunk', () => {
    const feats = Float32Array.from({ length: 5 * 2 }, (_, i) => i); // 5 frames of 2 values
    expect(keptFrames(feats, 5, 2, 1).feats).toBe(feats);
    const two = keptFrames(feats, 5, 2, 2);
    expect({ frames: two.frames, feats: [...two.feats] }).toEqual({ frames: 3, feats: [0, 1, 4, 5, 8, 9] });
    const three = keptFrames(feats, 5, 2, 3);
    expect({ frames: three.frames, feats: [...three.feats] }).toEqual({ frames: 2, feats: [0, 1, 6, 7] });
  });
});

describe('frame downsampling options', () => {
  it('takes integers from 1 to 4 and names the field otherwise', () => {
    for (const ok of [1, 2, 3, 4]) expect(() => checkFrameDownsample(ok, 'ds')).not.toThrow();
    for (const bad of [0, 5, 1.5, '2', Number.NaN])
      expect(() => checkFrameDownsample(bad, 'ds')).toThrow(/ds must be an integer in \[1, 4\]/);
    expect(resolveRuntimeOptions().acousticFrameDownsample).toBe(1);
    expect(() => resolveRuntimeOptions({ acousticFrameDownsample: 0 })).toThrow(
      /runtime option acousticFrameDownsample must be an integer/,
    );
  });
});

describe('cmuSenoneModel with frame downsampling (the real model, real speech)', () => {
  it('selects Gaussians on every other frame only and reuses the scores on the frames between', async () => {
    const { feats: all, tables, selector, mixture } = await cmuMixture();
    try {
      const selected: number[] = [];
      const select = async (r: { feats: Float32Array; frames: number }) => {
        selected.push(r.frames);
        const [g] = await selector.run([r.feats], r.frames);
        if (!g) throw new Error('no output');
        return g;
      };
      const dim = selector.dim;
      const every = cmuSenoneModel(select, mixture, dim, 1);
      const halved = cmuSenoneModel(select, mixture, dim, 2);
      // A whole chunk and a short, odd last one, as an utterance ends.
      for (const frames of [16, 5]) {
        const feats = all.subarray(0, frames * dim);
        selected.length = 0;
        const full = await every.run(feats, frames);
        const half = await halved.run(feats, frames);
        expect(selected).toEqual([frames, Math.ceil(frames / 2)]);
        expect(half.frames).toBe(frames);
        let worst = 0;
        for (let t = 0; t < frames; t++) {
          const scored = t - (t % 2);
          for (let s = 0; s < tables.nSenones; s += 7) {
            // Skipped frames: the previous frame's scores, exactly.
            expect(half.score(t, s)).toBe(half.score(scored, s));
            worst = Math.max(worst, Math.abs(half.score(t, s) - full.score(scored, s)));
          }
        }
        // Scored frames as without downsampling (the selection ran on 8 frames instead of 16: float32 sums).
        expect(worst).toBeLessThan(1e-3);
        // Downsampling changes the scores: a skipped frame is not its own.
        const t = 1;
        expect(
          Array.from({ length: 50 }, (_, s) => half.score(t, s) !== full.score(t, s)).some(Boolean),
        ).toBe(true);
        // The second pass asks for every frame: it gets them, downsampling or not.
        selected.length = 0;
        const second = await halved.run(feats, frames, true);
        expect(selected).toEqual([frames]);
        for (let s = 0; s < tables.nSenones; s += 97) expect(second.score(1, s)).toBe(full.score(1, s));
      }
    } finally {
      await selector.release();
    }
  });
});
