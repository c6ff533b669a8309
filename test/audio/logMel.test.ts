import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LogMelExtractor } from '../../src/audio/logMel.ts';
import { decodeWav } from '../../src/audio/wav.ts';

const FIXTURES = new URL('../fixtures/features/', import.meta.url);

function loadFixture(): { pcm: Float32Array; expected: Float32Array } {
  const wav = decodeWav(new Uint8Array(readFileSync(new URL('signal.wav', FIXTURES))));
  expect(wav.sampleRate).toBe(16000);
  const raw = readFileSync(new URL('logmel.f32', FIXTURES));
  const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return { pcm: wav.channels[0] as Float32Array, expected };
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

describe('LogMelExtractor', () => {
  it('matches scripts/voxtrain/features.py on the fixture within 1e-3 (log domain)', () => {
    const { pcm, expected } = loadFixture();
    const extractor = new LogMelExtractor();
    const got = extractor.push(pcm);
    expect(got.length).toBe(expected.length);
    expect(extractor.frameCount).toBe(Math.floor((pcm.length - 400) / 160) + 1);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (expected[i] as number)));
    }
    console.info(`logMel vs Python: max abs diff ${maxDiff.toExponential(3)} over ${got.length} values`);
    expect(maxDiff).toBeLessThan(1e-3);
    // The fixture's silent stretch must hit the log floor, or the floor path is untested.
    expect(Math.min(...got)).toBeCloseTo(Math.log(1e-10), 5);
  });

  it('gives the same frames for any chunking as for one push', () => {
    const { pcm } = loadFixture();
    const oneShot = new LogMelExtractor().push(pcm);
    let seed = 42;
    const rand = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    for (let trial = 0; trial < 5; trial++) {
      const extractor = new LogMelExtractor();
      const parts: Float32Array[] = [];
      for (let at = 0; at < pcm.length;) {
        const size = trial === 0 ? 1 : rand(trial * 300) + (trial % 2);
        parts.push(extractor.push(pcm.subarray(at, at + size)));
        at += size;
      }
      expect(concat(parts)).toEqual(oneShot);
      expect(extractor.frameCount).toBe(oneShot.length / 80);
    }
  });

  it('emits nothing before a whole frame and restarts after reset()', () => {
    const { pcm } = loadFixture();
    const extractor = new LogMelExtractor();
    expect(extractor.push(pcm.subarray(0, 399)).length).toBe(0);
    expect(extractor.push(pcm.subarray(399, 400)).length).toBe(80);
    expect(extractor.push(pcm.subarray(400, 559)).length).toBe(0);
    expect(extractor.push(pcm.subarray(559, 560)).length).toBe(80);
    extractor.reset();
    expect(extractor.frameCount).toBe(0);
    expect(extractor.push(pcm.subarray(0, 560))).toEqual(new LogMelExtractor().push(pcm.subarray(0, 560)));
  });
});
