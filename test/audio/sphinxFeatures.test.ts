import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  batchCmnFeatures,
  voicedCepstralMean,
  defaultSphinxFeaturesOptions,
  SphinxFeatures,
  type SphinxFeaturesOptions,
} from '../../src/audio/sphinxFeatures.ts';
import { SPHINX_FRONT_END, SphinxMfcc } from '../../src/audio/sphinxMfcc.ts';
import { decodeWav } from '../../src/audio/wav.ts';

const FIXTURES = new URL('../fixtures/sphinx-fe/', import.meta.url);
const HARNESS = fileURLToPath(new URL('../../scripts/sphinx-reference/feat_live.c', import.meta.url));

/** gcc flags for sphinxbase (Debian libsphinxbase-dev), or null where it or gcc is absent. */
function sphinxbaseFlags(): string[] | null {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'sphinxbase'], { encoding: 'utf8' });
    const parts = flags.trim().split(/\s+/);
    const include = parts.find(
      (f) => f.startsWith('-I') && existsSync(join(f.slice(2), 'sphinxbase', 'feat.h')),
    );
    return include === undefined ? null : parts;
  } catch {
    return null;
  }
}
const SPHINXBASE_FLAGS = sphinxbaseFlags();

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Seeded made-up cepstra: c0 around 60 except `negative` frames (c0 < 0, like digital silence). */
function madeUpCepstra(frames: number, seed: number, negative: readonly number[] = []): number[][] {
  let state = seed;
  const rand = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) * 20 - 10;
  return Array.from({ length: frames }, (_, t) =>
    Array.from({ length: 13 }, (_, i) =>
      Math.fround(i === 0 ? (negative.includes(t) ? -46 : 60 + rand()) : rand()),
    ),
  );
}

/**
 * The arithmetic written out directly, one utterance after another: live CMN per frame (sphinxbase
 * cmn_live / cmn_live_shiftwin / cmn_live_update) and 1s_c_d_dd over the edge-padded utterance.
 */
function reference(
  utterances: number[][][],
  options: SphinxFeaturesOptions,
): { rows: number[][][]; mean: number[] } {
  const { cmnInit, cmnInitFrames, cmnWindowFrames, cmnShiftFrames } = options;
  let mean = [...cmnInit];
  let sum = cmnInit.map((v) => v * cmnInitFrames);
  let n = cmnInitFrames;
  const rows = utterances.map((ceps) => {
    const norm = ceps.map((c) => {
      if ((c[0] as number) < 0) return [...c];
      sum = sum.map((s, i) => s + (c[i] as number));
      const out = c.map((v, i) => v - (mean[i] as number));
      n += 1;
      if (n > cmnShiftFrames) {
        mean = sum.map((s) => s / n);
        sum = sum.map((s) => (s * cmnWindowFrames) / n);
        n = cmnWindowFrames;
      }
      return out;
    });
    if (n > 0) mean = sum.map((s) => s / n);
    const c = (t: number): number[] => norm[Math.min(Math.max(t, 0), norm.length - 1)] as number[];
    return norm.map((_, t) =>
      Array.from({ length: 39 }, (_, k) => {
        const i = k % 13;
        const at = (dt: number): number => c(t + dt)[i] as number;
        if (k < 13) return at(0);
        if (k < 26) return at(2) - at(-2);
        return at(3) - at(-1) - (at(1) - at(-3));
      }),
    );
  });
  return { rows, mean };
}

function expectRowsClose(got: Float32Array, expected: number[][]): void {
  expect(got.length).toBe(expected.length * 39);
  let max = 0;
  expected.forEach((row, t) =>
    row.forEach((v, k) => (max = Math.max(max, Math.abs((got[t * 39 + k] as number) - v)))),
  );
  expect(max).toBeLessThan(1e-4);
}

function loadPcm(): Float32Array {
  return decodeWav(new Uint8Array(readFileSync(new URL('signal.wav', FIXTURES)))).channels[0] as Float32Array;
}

describe('SphinxFeatures', () => {
  it('declares the model contract once', () => {
    expect(SPHINX_FRONT_END.sampleRate).toBe(16000);
    expect(SPHINX_FRONT_END.featureDims).toBe(3 * SPHINX_FRONT_END.cepstra);
    expect(SPHINX_FRONT_END.hopSamples * SPHINX_FRONT_END.frameRate).toBe(SPHINX_FRONT_END.sampleRate);
  });

  it('computes live CMN and 1s_c_d_dd as the formulas say, across utterances and window shifts', () => {
    // A small window so the 800/500 shift happens inside the test: shift after 8 frames, back to 5.
    const options = { ...defaultSphinxFeaturesOptions, cmnWindowFrames: 5, cmnShiftFrames: 8 };
    const utterances = [
      madeUpCepstra(12, 1, [4]),
      madeUpCepstra(1, 2),
      madeUpCepstra(2, 3),
      madeUpCepstra(9, 4),
    ];
    const expected = reference(utterances, options);
    const features = new SphinxFeatures(options);
    utterances.forEach((ceps, u) => {
      const got = concat([features.pushCepstra(Float32Array.from(ceps.flat())), features.end()]);
      expectRowsClose(got, expected.rows[u] as number[][]);
    });
    expect(
      Array.from(features.cmnMean).every((v, i) => Math.abs(v - (expected.mean[i] as number)) < 1e-4),
    ).toBe(true);
  });

  it('follows the defaults: the first utterance uses cmninit, its end makes the mean its own average', () => {
    const ceps = madeUpCepstra(20, 5, [3, 4]);
    const expected = reference([ceps, ceps], defaultSphinxFeaturesOptions);
    const features = new SphinxFeatures();
    const first = concat([features.pushCepstra(Float32Array.from(ceps.flat())), features.end()]);
    expectRowsClose(first, expected.rows[0] as number[][]);
    // Row 0's cepstra are c[0] − cmninit, and the silent frames pass through unnormalised.
    expect(first[0]).toBeCloseTo((ceps[0]![0] as number) - 41, 4);
    expect(first[3 * 39]).toBeCloseTo(-46, 4);
    const voiced = ceps.filter((c) => (c[0] as number) >= 0);
    expect(features.cmnMean[0]).toBeCloseTo(
      voiced.reduce((s, c) => s + (c[0] as number), 0) / voiced.length,
      4,
    );
    const second = concat([features.pushCepstra(Float32Array.from(ceps.flat())), features.end()]);
    expectRowsClose(second, expected.rows[1] as number[][]);
    // With cmnInitFrames 500 (sphinxbase cmn_live_set) the initial mean weighs like 500 frames.
    const seeded = { ...defaultSphinxFeaturesOptions, cmnInitFrames: 500 };
    const withPrior = new SphinxFeatures(seeded);
    withPrior.pushCepstra(Float32Array.from(ceps.flat()));
    withPrior.end();
    expect(withPrior.cmnMean[0]).toBeCloseTo(reference([ceps], seeded).mean[0] as number, 4);
  });

  it('emits row t once c[t+3] is known and the rest at end()', () => {
    const ceps = madeUpCepstra(10, 6);
    const features = new SphinxFeatures();
    const counts = ceps.map((c) => features.pushCepstra(Float32Array.from(c)).length / 39);
    expect(counts).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(features.end().length / 39).toBe(3);
    expect(features.end().length).toBe(0);
  });

  it('gives the same rows from audio in random chunks as in one push, and one row per MFCC frame', () => {
    const pcm = loadPcm();
    const whole = new SphinxFeatures();
    const oneShot = concat([whole.push(pcm), whole.end()]);
    const mfcc = new SphinxMfcc();
    const cepstra = concat([mfcc.push(pcm), mfcc.flush()]);
    expect(oneShot.length / 39).toBe(cepstra.length / 13);
    const direct = new SphinxFeatures();
    expect(concat([direct.pushCepstra(cepstra), direct.end()])).toEqual(oneShot);
    let seed = 9;
    const rand = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    for (let trial = 0; trial < 4; trial++) {
      const features = new SphinxFeatures();
      const parts: Float32Array[] = [];
      for (let at = 0; at < pcm.length;) {
        const size = rand(700) + 1;
        parts.push(features.push(pcm.subarray(at, at + size)));
        at += size;
      }
      parts.push(features.end());
      expect(concat(parts)).toEqual(oneShot);
    }
  });

  it('keeps the live mean across utterances unless told not to; reset() forgets it', () => {
    const pcm = loadPcm();
    const run = (f: SphinxFeatures): Float32Array => concat([f.push(pcm), f.end()]);
    const fresh = run(new SphinxFeatures());
    const session = new SphinxFeatures();
    run(session);
    const adapted = session.cmnMean;
    expect(adapted[0]).not.toBeCloseTo(41, 1);
    session.push(pcm.subarray(0, 3000));
    session.startUtterance(); // drops the partial utterance, keeps the mean
    expect(session.cmnMean).toEqual(adapted);
    expect(run(session)).not.toEqual(fresh);
    session.reset();
    expect(run(session)).toEqual(fresh);
    const perUtterance = new SphinxFeatures({ keepCmnAcrossUtterances: false });
    run(perUtterance);
    perUtterance.startUtterance();
    expect(run(perUtterance)).toEqual(fresh);
  });

  it.skipIf(SPHINXBASE_FLAGS === null)(
    "matches sphinxbase's own feat_s2mfc2feat_live (one frame per call) over 3 utterances and a window shift",
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'sphinx-feat-'));
      try {
        execFileSync('gcc', ['-O1', '-o', join(dir, 'feat_live'), HARNESS, ...(SPHINXBASE_FLAGS ?? [])]);
        // 12 s: tone bursts, faint noise and a stretch of digital silence; 1,199 frames, past the 800 shift.
        let state = 5;
        const rand = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
        const pcm = Float32Array.from({ length: 12 * 16000 }, (_, n) => {
          const t = n / 16000;
          const tone =
            Math.sin(2 * Math.PI * 0.7 * t) > 0
              ? 0.3 * Math.sin(2 * Math.PI * (200 + 100 * Math.sin(t)) * t)
              : 0;
          return n > 30000 && n < 31000 ? 0 : tone + 0.005 * rand();
        });
        const mfcc = new SphinxMfcc();
        const cepstra = concat([mfcc.push(pcm), mfcc.flush()]);
        const frames = cepstra.length / 13;
        writeFileSync(join(dir, 'cep.f32'), new Uint8Array(cepstra.buffer));
        const lengths = [250, frames - 450, 200];
        for (const cmnInitFrames of [0, 500]) {
          const raw = execFileSync(
            join(dir, 'feat_live'),
            [join(dir, 'cep.f32'), '1', String(cmnInitFrames), ...lengths.map(String)],
            { maxBuffer: 1 << 26 },
          );
          const reference = new Float32Array(
            raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength),
          );
          const features = new SphinxFeatures({ cmnInitFrames });
          const parts: Float32Array[] = [];
          let at = 0;
          for (const length of lengths) {
            parts.push(features.pushCepstra(cepstra.subarray(at * 13, (at + length) * 13)), features.end());
            at += length;
          }
          const got = concat([...parts, Float32Array.from(features.cmnMean)]);
          expect(got.length).toBe(reference.length);
          let max = 0;
          for (let i = 0; i < got.length; i++)
            max = Math.max(max, Math.abs((got[i] as number) - (reference[i] as number)));
          console.info(
            `SphinxFeatures vs sphinxbase feat_s2mfc2feat_live (cmnInitFrames ${cmnInitFrames}): max abs diff ${max.toExponential(3)} over ${frames} rows and the final mean`,
          );
          expect(max).toBeLessThan(1e-3);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('rejects bad options with a TypeError naming the field', () => {
    expect(() => new SphinxFeatures({ cmnInit: [1, 2, 3] })).toThrow(/cmnInit/);
    expect(() => new SphinxFeatures({ cmnWindowFrames: 0 })).toThrow(/cmnWindowFrames/);
    expect(() => new SphinxFeatures({ cmnShiftFrames: 100 })).toThrow(/cmnShiftFrames/);
    expect(() => new SphinxFeatures({ cmnInitFrames: -1 })).toThrow(/cmnInitFrames/);
    expect(
      () => new SphinxFeatures({ cmnInit: [...defaultSphinxFeaturesOptions.cmnInit.slice(1), NaN] }),
    ).toThrow(TypeError);
  });

  it('measures its speed (best of 5 runs over 10 s of audio in 20 ms chunks)', () => {
    const pcm = loadPcm();
    const features = new SphinxFeatures();
    const seconds = (20 * pcm.length) / SPHINX_FRONT_END.sampleRate;
    let best = Infinity;
    let rows = 0;
    for (let run = 0; run < 6; run++) {
      const started = performance.now();
      rows = 0;
      for (let rep = 0; rep < 20; rep++) {
        for (let at = 0; at < pcm.length; at += 320)
          rows += features.push(pcm.subarray(at, at + 320)).length / 39;
        rows += features.end().length / 39;
      }
      // Run 0 warms the JIT up.
      if (run > 0) best = Math.min(best, (performance.now() - started) / seconds);
    }
    console.info(`SphinxFeatures: ${best.toFixed(3)} ms per second of audio`);
    expect(rows).toBe(20 * 49);
  });
});

describe('batchCmnFeatures', () => {
  it('gives the rows the live front end gives with the utterance’s own mean from its first frame', () => {
    const ceps = madeUpCepstra(23, 11);
    const flat = Float32Array.from(ceps.flat());
    const mean = Array.from(
      { length: 13 },
      (_, k) => ceps.reduce((s, c) => s + (c[k] as number), 0) / ceps.length,
    );
    const live = new SphinxFeatures({ cmnInit: mean, keepCmnAcrossUtterances: false });
    const expected = concat([live.pushCepstra(flat), live.end()]);
    const got = batchCmnFeatures(flat);
    expect(got.length).toBe(23 * 39);
    let max = 0;
    for (let i = 0; i < got.length; i++)
      max = Math.max(max, Math.abs((got[i] as number) - (expected[i] as number)));
    expect(max).toBeLessThan(1e-3);
  });

  it('leaves digital silence out of the mean and normalises every frame', () => {
    const ceps = madeUpCepstra(10, 4, [0, 9]);
    const got = batchCmnFeatures(Float32Array.from(ceps.flat()));
    const voiced = ceps.filter((c) => (c[0] as number) >= 0);
    const mean0 = voiced.reduce((s, c) => s + (c[0] as number), 0) / voiced.length;
    expect(got[0]).toBeCloseTo(-46 - mean0, 3);
    expect(got[5 * 39]).toBeCloseTo((ceps[5]![0] as number) - mean0, 3);
    expect(batchCmnFeatures(new Float32Array(0)).length).toBe(0);
    expect(() => batchCmnFeatures(new Float32Array(14))).toThrow(TypeError);
  });

  it('leans on a prior mean as many frames as it counts for', () => {
    const ceps = madeUpCepstra(10, 4, [0, 9]);
    const flat = Float32Array.from(ceps.flat());
    const voiced = ceps.filter((c) => (c[0] as number) >= 0);
    const prior = { mean: Array.from({ length: 13 }, (_, k) => 40 - k), frames: 24 };
    const mean = voicedCepstralMean(flat, prior);
    for (let k = 0; k < 13; k++) {
      const sum = voiced.reduce((s, c) => s + (c[k] as number), 0);
      expect(mean?.[k]).toBeCloseTo((sum + 24 * (40 - k)) / (voiced.length + 24), 6);
    }
    expect(batchCmnFeatures(flat, prior)[5 * 39]).toBeCloseTo(
      (ceps[5]![0] as number) - (mean?.[0] as number),
      3,
    );
    // No prior, or one of no weight: the utterance's own mean; without voiced frames only a prior gives one.
    expect(voicedCepstralMean(flat, { ...prior, frames: 0 })).toEqual(voicedCepstralMean(flat));
    const silent = Float32Array.from(madeUpCepstra(3, 1, [0, 1, 2]).flat());
    expect(voicedCepstralMean(silent)).toBeNull();
    expect(Array.from(voicedCepstralMean(silent, prior) ?? [])).toEqual(prior.mean);
  });
});
