import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { type GaussianSelection, SenoneMixture } from '../../src/asr/senoneMixture.ts';
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

  it('scores from the K best Gaussians a run asks for: more Gaussians, never a lower score', async () => {
    const { feats, selector, mixture } = await cmuMixture();
    try {
      const chunk = feats.slice(40 * 39, (40 + 16) * 39);
      const runs = [];
      for (const kept of [4, 16, 128]) {
        const [selected] = await selector.run([chunk], 16, kept);
        if (!selected) throw new Error('no output');
        expect(selected.kept).toBe(kept);
        expect(selected.top.length).toBe(16 * 3 * 42 * kept);
        runs.push(selected);
      }
      const [four, sixteen, all] = runs as [GaussianSelection, GaussianSelection, GaussianSelection];
      // The 16 best begin with the 4 best, best first.
      for (let g = 0; g < 16 * 3 * 42; g++)
        for (let k = 0; k < 4; k++)
          expect(sixteen.top[g * 16 + k]).toBeCloseTo(four.top[g * 4 + k] as number, 4);
      const [a, b, c] = [mixture.frames(four), mixture.frames(sixteen), mixture.frames(all)];
      let gained = 0;
      for (let t = 0; t < 16; t++)
        for (let s = 0; s < mixture.senones; s += 7) {
          const [x, y, z] = [a.score(t, s), b.score(t, s), c.score(t, s)];
          expect(y).toBeGreaterThanOrEqual(x - 1e-9);
          expect(z).toBeGreaterThanOrEqual(y - 1e-9);
          if (y > x + 1e-3) gained++;
        }
      expect(gained).toBeGreaterThan(0);
      await expect(selector.run([chunk], 16, 0)).rejects.toThrow(/kept: a positive integer/);
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
