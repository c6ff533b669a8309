import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { int16ToFloat32 } from '../../src/audio/pcm.ts';
import { SPHINX_FRONT_END, SphinxMfcc } from '../../src/audio/sphinxMfcc.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { hasSphinxFe, readMfc, runSphinxFe } from '../helpers/sphinxFe.ts';

const FIXTURES = new URL('../fixtures/sphinx-fe/', import.meta.url);

function wholeUtterance(pcm: Float32Array): Float32Array {
  const mfcc = new SphinxMfcc();
  return concat([mfcc.push(pcm), mfcc.flush()]);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

function loadFixture(): { pcm: Float32Array; expected: Float32Array } {
  const wav = decodeWav(new Uint8Array(readFileSync(new URL('signal.wav', FIXTURES))));
  expect(wav.sampleRate).toBe(SPHINX_FRONT_END.sampleRate);
  const expected = readMfc(new Uint8Array(readFileSync(new URL('cepstra.mfc', FIXTURES))));
  return { pcm: wav.channels[0] as Float32Array, expected };
}

/** A seeded signal unlike the fixture's: a chirp, a burst of noise, silence, odd length. */
function makeSignal(samples: number, seed: number): Int16Array {
  let state = seed;
  const rand = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const out = new Int16Array(samples);
  for (let n = 0; n < samples; n++) {
    const t = n / SPHINX_FRONT_END.sampleRate;
    const chirp = 0.3 * Math.sin(2 * Math.PI * (150 * t + 3000 * t * t));
    const noise = (n > 2000 && n < 4000 ? 0.2 : 0.01) * rand();
    const silent = n >= 6000 && n < 6700;
    out[n] = silent ? 0 : Math.round((chirp + noise) * 20000);
  }
  return out;
}

describe('SphinxMfcc', () => {
  it('matches the cepstra Debian sphinx_fe wrote for the committed fixture within 1e-3', () => {
    const { pcm, expected } = loadFixture();
    const got = wholeUtterance(pcm);
    // 8,077 samples: 48 complete frames and the zero-padded last one.
    expect(got.length / 13).toBe(49);
    const diff = maxAbsDiff(got, expected);
    console.info(
      `SphinxMfcc vs sphinx_fe fixture: max abs diff ${diff.toExponential(3)} over ${got.length} values`,
    );
    expect(diff).toBeLessThan(1e-3);
    // Frames wholly inside the digital silence give c0 = 5·ln(1e-4): the log floor path is exercised.
    expect(Math.min(...got.filter((_, i) => i % 13 === 0))).toBeCloseTo(5 * Math.log(1e-4), 4);
  });

  it.skipIf(!hasSphinxFe)('matches sphinx_fe run live on a generated WAV within 1e-3', () => {
    const pcm16 = makeSignal(12345, 7);
    const expected = runSphinxFe(pcm16, false);
    const got = wholeUtterance(int16ToFloat32(pcm16));
    const diff = maxAbsDiff(got, expected);
    console.info(
      `SphinxMfcc vs live sphinx_fe: max abs diff ${diff.toExponential(3)} over ${got.length} values`,
    );
    expect(diff).toBeLessThan(1e-3);
  });

  it('gives the same rows for any chunking as for one push', () => {
    const { pcm } = loadFixture();
    const oneShot = wholeUtterance(pcm);
    let seed = 42;
    const rand = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    for (let trial = 0; trial < 6; trial++) {
      const mfcc = new SphinxMfcc();
      const parts: Float32Array[] = [];
      for (let at = 0; at < pcm.length;) {
        const size = trial === 0 ? 1 : rand(trial * 250) + (trial % 2);
        parts.push(mfcc.push(pcm.subarray(at, at + size)));
        at += size;
      }
      expect(mfcc.frameCount).toBe(48);
      parts.push(mfcc.flush());
      expect(concat(parts)).toEqual(oneShot);
    }
  });

  it('starts afresh after flush and reset, and handles utterances shorter than a frame', () => {
    const { pcm } = loadFixture();
    const mfcc = new SphinxMfcc();
    const first = concat([mfcc.push(pcm), mfcc.flush()]);
    expect(concat([mfcc.push(pcm), mfcc.flush()])).toEqual(first);
    mfcc.push(pcm.subarray(0, 5000));
    mfcc.reset();
    expect(concat([mfcc.push(pcm), mfcc.flush()])).toEqual(first);
    // Fewer samples than a frame: sphinx_fe still writes one zero-padded frame; none at all writes nothing.
    expect(mfcc.push(pcm.subarray(0, 300)).length).toBe(0);
    expect(mfcc.flush().length).toBe(13);
    expect(mfcc.flush().length).toBe(0);
  });

  it('measures its speed (best of 5 runs over 10 s of audio in 20 ms chunks)', () => {
    const pcm = int16ToFloat32(makeSignal(10 * SPHINX_FRONT_END.sampleRate, 3));
    const mfcc = new SphinxMfcc();
    let best = Infinity;
    for (let run = 0; run < 6; run++) {
      mfcc.reset();
      const started = performance.now();
      for (let at = 0; at < pcm.length; at += 320) mfcc.push(pcm.subarray(at, at + 320));
      // Run 0 warms the JIT up.
      if (run > 0) best = Math.min(best, (performance.now() - started) / 10);
      expect(mfcc.frameCount).toBe(998);
    }
    console.info(`SphinxMfcc: ${best.toFixed(3)} ms per second of audio`);
  });
});
