import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { SenoneMixture } from '../../src/asr/senoneMixture.ts';
import { GaussianSelector } from '../../src/inference/gaussianSelector.ts';
import { SenoneScorer } from '../../src/inference/senoneScorer.ts';
import { cmuMixture } from '../helpers/cmuFixture.ts';

const modelDir = new URL('../../models/am-en-us/', import.meta.url);
const fixtureDir = new URL('../fixtures/am-en-us/', import.meta.url);

describe('SenoneMixture over gaussians.onnx (the CPU path)', () => {
  it('scores every senone as senones.onnx does, on real speech (100 frames of the fixture)', async () => {
    const bytes = await readFile(new URL('feats.bin', fixtureDir));
    const feats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const frames = feats.length / 39;
    const [tables, mixw, selector, scorer] = await Promise.all([
      loadAcousticTables(),
      readFile(new URL('mixw.bin', modelDir)),
      GaussianSelector.load(),
      SenoneScorer.load(),
    ]);
    try {
      const { streams, codebooks, top } = selector.shape;
      expect({ streams, codebooks, top }).toEqual({ streams: 3, codebooks: 42, top: 4 });
      const mixture = new SenoneMixture(new Uint8Array(mixw), tables.senoneBase, streams, codebooks, 128);
      const [selected] = await selector.run([feats], frames);
      const [full] = await scorer.run([feats], frames);
      if (!selected || !full) throw new Error('no output');
      const scores = mixture.frames(selected);
      let worst = 0;
      for (let t = 0; t < frames; t++) {
        const row = Array.from({ length: tables.nSenones }, (_, s) => scores.score(t, s));
        const best = Math.max(...row);
        for (let s = 0; s < row.length; s++)
          worst = Math.max(
            worst,
            Math.abs((row[s] as number) - best - (full[t * tables.nSenones + s] as number)),
          );
      }
      // Both in float32 Gaussian scores; the mixture sums in float64.
      expect(worst).toBeLessThan(2e-3);
    } finally {
      await Promise.all([selector.release(), scorer.release()]);
    }
  });

  it('keeps each run of frames right when runs are read interleaved', async () => {
    const { feats, selector, mixture } = await cmuMixture();
    try {
      const chunk = (at: number) => feats.slice(at * 39, (at + 16) * 39);
      const [a, b] = await selector.run([chunk(20), chunk(60)], 16);
      if (!a || !b) throw new Error('no output');
      const grid = (read: (t: number, s: number) => number) =>
        Array.from({ length: 16 }, (_, t) => Array.from({ length: 400 }, (_, s) => read(t, 13 * s)));
      const first = mixture.frames(a);
      const aloneA = grid((t, s) => first.score(t, s));
      const second = mixture.frames(b);
      const aloneB = grid((t, s) => second.score(t, s));
      expect(aloneB).not.toEqual(aloneA);
      // Both runs again, every read of one followed by the same read of the other, then the first once more.
      const runA = mixture.frames(a);
      const runB = mixture.frames(b);
      const both = grid((t, s) => runA.score(t, s) - runB.score(t, s));
      expect(both).toEqual(aloneA.map((row, t) => row.map((x, i) => x - (aloneB[t]?.[i] as number))));
      expect(grid((t, s) => runA.score(t, s))).toEqual(aloneA);
      expect(grid((t, s) => first.score(t, s))).toEqual(aloneA);
    } finally {
      await selector.release();
    }
  });

  it('refuses mixture weights that do not fit the senones', () => {
    expect(() => new SenoneMixture(new Uint8Array(10), new Int32Array(5), 3, 2, 128)).toThrow(
      /expected 3 × 5 × 128/,
    );
  });
});
