import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../src/audio/decodeFile.ts';
import { float32ToInt16, int16ToFloat32 } from '../../src/audio/pcm.ts';
import { resample } from '../../src/audio/resample.ts';
import { SphinxFeatures } from '../../src/audio/sphinxFeatures.ts';
import { SPHINX_FRONT_END, SphinxMfcc } from '../../src/audio/sphinxMfcc.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { hasSphinxFe, readMfc, runSphinxFe } from '../helpers/sphinxFe.ts';

const FIXTURES = new URL('../fixtures/sphinx-fe/', import.meta.url);
const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
function utterance(mfcc: SphinxMfcc, pcm: Float32Array): Float32Array {
  const a = mfcc.push(pcm);
  const b = mfcc.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array, from = 0): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = from; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Seeded noise plus a tone that comes and goes: `samples` long, int16 scale. */
function noisyTone(samples: number, seed: number): Float32Array {
  let state = seed;
  const rand = (): number => ((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return Float32Array.from({ length: samples }, (_, n) => {
    const t = n / SPHINX_FRONT_END.sampleRate;
    const on = Math.floor(t * 3) % 2 === 1;
    return 0.05 * rand() + (on ? 0.3 * Math.sin(2 * Math.PI * 500 * t) : 0);
  });
}

/** sphinx_fe -remove_noise yes over int16 samples. */
const sphinxFe = (pcm16: Int16Array) => runSphinxFe(pcm16, true);

describe('Sphinx noise removal (SphinxMfcc removeNoise)', () => {
  it('matches the cepstra sphinx_fe -remove_noise yes wrote for the committed fixture within 1e-3', () => {
    const wav = decodeWav(new Uint8Array(readFileSync(new URL('signal.wav', FIXTURES))));
    const pcm = wav.channels[0] as Float32Array;
    const expected = readMfc(new Uint8Array(readFileSync(new URL('cepstra-remove-noise.mfc', FIXTURES))));
    const plain = readMfc(new Uint8Array(readFileSync(new URL('cepstra.mfc', FIXTURES))));
    const got = utterance(new SphinxMfcc({ removeNoise: true }), pcm);
    const diff = maxAbsDiff(got, expected);
    console.info(`noise removal vs sphinx_fe fixture: max abs diff ${diff.toExponential(3)}`);
    expect(diff).toBeLessThan(1e-3);
    // It changes the cepstra (by several units where the noise dominates).
    expect(maxAbsDiff(expected, plain)).toBeGreaterThan(1);
  });

  it.skipIf(!hasSphinxFe)('matches sphinx_fe -remove_noise yes run live on a generated WAV', () => {
    const pcm16 = float32ToInt16(noisyTone(3 * 16000 + 77, 5));
    const got = utterance(new SphinxMfcc({ removeNoise: true }), int16ToFloat32(pcm16));
    const diff = maxAbsDiff(got, sphinxFe(pcm16));
    console.info(`noise removal vs live sphinx_fe: max abs diff ${diff.toExponential(3)}`);
    expect(diff).toBeLessThan(1e-3);
  });

  const command = join(SHARED, 'speech_commands', 'stop');
  const noise = join(SHARED, 'speech_commands', '_silence_');
  it.skipIf(!hasSphinxFe || !existsSync(command) || !existsSync(noise))(
    'matches sphinx_fe on a real Speech Commands clip mixed with a real background clip at 6 dB (skipped without ../shared)',
    () => {
      const clip = readdirSync(command).filter((f) => f.endsWith('.opus'))[0] as string;
      const at16k = (file: string) => {
        const d = decodeAudioFile(new Uint8Array(readFileSync(file)), file);
        return d.sampleRate === 16000 ? d.pcm : resample(d.pcm, d.sampleRate, 16000);
      };
      const speech = at16k(join(command, clip));
      const power = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / x.length;
      // The loudest of the first 20 background clips (some are near silence).
      const backgrounds = readdirSync(noise)
        .filter((f) => f.endsWith('.opus'))
        .slice(0, 20)
        .map((f) => ({ f, pcm: at16k(join(noise, f)) }))
        .filter((b) => b.pcm.length >= speech.length)
        .sort((a, b) => power(b.pcm) - power(a.pcm));
      const { f: background, pcm } = backgrounds[0] as { f: string; pcm: Float32Array };
      const tap = pcm.subarray(0, speech.length);
      const scale = Math.sqrt(power(speech) / (power(tap) * 10 ** 0.6));
      const mixed = speech.map((v, i) => v + scale * (tap[i] as number));
      const pcm16 = float32ToInt16(mixed);
      const got = utterance(new SphinxMfcc({ removeNoise: true }), int16ToFloat32(pcm16));
      const diff = maxAbsDiff(got, sphinxFe(pcm16));
      console.info(`noise removal vs sphinx_fe on ${clip} + ${background} at 6 dB: max abs diff ${diff}`);
      expect(diff).toBeLessThan(1e-3);
    },
  );

  it('keeps its noise estimate from one utterance to the next, and forgets it at resetStream', () => {
    const first = noisyTone(16000, 1);
    const second = noisyTone(8000, 2);
    const fresh = utterance(new SphinxMfcc({ removeNoise: true }), second);
    const mfcc = new SphinxMfcc({ removeNoise: true });
    utterance(mfcc, first);
    expect(maxAbsDiff(utterance(mfcc, second), fresh)).toBeGreaterThan(0.01);
    utterance(mfcc, first);
    mfcc.resetStream();
    expect(utterance(mfcc, second)).toEqual(fresh);
    // SphinxFeatures.reset (a new session) forgets it too.
    const features = new SphinxFeatures({ removeNoise: true });
    features.push(first);
    features.end();
    features.reset();
    const again = new SphinxFeatures({ removeNoise: true });
    expect([...features.push(second), ...features.end()]).toEqual([...again.push(second), ...again.end()]);
  });

  it('does not start its estimate on digital silence (a padded file, a muted microphone)', () => {
    // 0.3 s of zeros before steady noise: frames inside the zeros keep the log floor, and a second into the
    // noise the output is where it is without the zeros (the estimate started at the noise, not at 0).
    let state = 3;
    const steady = Float32Array.from(
      { length: 2 * 16000 },
      () => 0.05 * (((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1),
    );
    const padded = new Float32Array(4800 + steady.length);
    padded.set(steady, 4800);
    const withPad = utterance(new SphinxMfcc({ removeNoise: true }), padded);
    const without = utterance(new SphinxMfcc({ removeNoise: true }), steady);
    expect(withPad[0]).toBeCloseTo(5 * Math.log(1e-4), 4);
    // 4,800 samples are 30 frames; compare the mean c0 1.0–1.5 s into the noise.
    const meanC0 = (rows: Float32Array, from: number) => {
      let sum = 0;
      for (let f = from; f < from + 50; f++) sum += rows[f * 13] as number;
      return sum / 50;
    };
    const plain = utterance(new SphinxMfcc(), steady);
    console.info(
      `c0 1.0–1.5 s into steady noise: ${meanC0(withPad, 130).toFixed(2)} after 0.3 s of zeros, ` +
        `${meanC0(without, 100).toFixed(2)} without them, ${meanC0(plain, 100).toFixed(2)} with no noise removal`,
    );
    // Started at 0, the estimate would still be far below the noise here and c0 near the plain value.
    const removed = meanC0(plain, 100) - meanC0(without, 100);
    expect(removed).toBeGreaterThan(1);
    expect(Math.abs(meanC0(withPad, 130) - meanC0(without, 100))).toBeLessThan(0.25 * removed);
  });
});
