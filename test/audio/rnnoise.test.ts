import { describe, expect, it } from 'vitest';
import { RnnoiseDenoiser, UtteranceDenoise, denoiseWhole } from '../../src/audio/rnnoise.ts';
import { RnnoiseWorker } from '../../src/audio/rnnoiseWorkerClient.ts';
import { mulberry32 } from '../../src/context/index.ts';

const rate = 16000;
const rms = (x: Float32Array, from = 0, to = x.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
};

/** Runs `pcm` through a fresh stream in 20 ms chunks, as a device sends it. */
function denoise(denoiser: RnnoiseDenoiser, pcm: Float32Array): Float32Array {
  const stream = denoiser.stream(rate);
  const parts: Float32Array[] = [];
  try {
    for (let at = 0; at < pcm.length; at += 320) parts.push(stream.push(pcm.subarray(at, at + 320)));
  } finally {
    stream.release();
  }
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('RnnoiseDenoiser', () => {
  it('streams about as much audio out as went in, and takes most of the energy out of steady noise', async () => {
    const denoiser = await RnnoiseDenoiser.load();
    const random = mulberry32(7);
    const noise = Float32Array.from({ length: 2 * rate }, () => 0.05 * (random() * 2 - 1));
    const out = denoise(denoiser, noise);
    // Resampling to 48 kHz and back and RNNoise's 10 ms frames hold back at most a few frames.
    expect(out.length).toBeGreaterThan(noise.length - 0.03 * rate);
    expect(out.length).toBeLessThanOrEqual(noise.length);
    // After its first half second (RNNoise learns the noise), white noise falls by more than 10 dB.
    expect(rms(out, rate / 2)).toBeLessThan(rms(noise) / 3);
  });

  it('keeps a voiced, speech-like sound far louder than it keeps noise', async () => {
    const denoiser = await RnnoiseDenoiser.load();
    const random = mulberry32(11);
    // A 140 Hz pulse train through a crude vowel formant, with light noise under it.
    const voiced = Float32Array.from({ length: rate }, (_, i) => {
      const t = i / rate;
      const glottal = i % Math.round(rate / 140) < 8 ? 1 : 0;
      return (
        0.2 * glottal * Math.sin(2 * Math.PI * 700 * t) +
        0.3 * Math.sin(2 * Math.PI * 140 * t) * 0.3 +
        0.005 * (random() * 2 - 1)
      );
    });
    const out = denoise(denoiser, voiced);
    expect(rms(out, rate / 2)).toBeGreaterThan(rms(voiced, rate / 2) / 10);
  });

  it('denoises a whole stretch at once with a stream warmed on it, from its first sample', async () => {
    const denoiser = await RnnoiseDenoiser.load();
    const random = mulberry32(5);
    const noise = Float32Array.from({ length: rate }, () => 0.05 * (random() * 2 - 1));
    const whole = await denoiseWhole(denoiser, noise, rate);
    // All of it comes out (the delay let out by the silence after it), a little more than went in.
    expect(whole.length).toBeGreaterThanOrEqual(noise.length);
    expect(whole.length).toBeLessThan(noise.length + 0.04 * rate);
    // A fresh stream lets the noise through while it learns it; the warmed one takes it out from the start.
    const first = Math.round(0.2 * rate);
    expect(rms(whole, 0, first)).toBeLessThan(rms(denoise(denoiser, noise), 0, first) / 2);
    expect(rms(whole, 0, noise.length)).toBeLessThan(rms(noise) / 3);
  });

  it('learns the noise of an utterance while it comes in and then denoises it as a whole stretch would be', async () => {
    const denoiser = await RnnoiseDenoiser.load();
    const worker = await RnnoiseWorker.start();
    const random = mulberry32(9);
    const noise = Float32Array.from({ length: rate }, () => 0.05 * (random() * 2 - 1));
    try {
      const whole = await denoiseWhole(denoiser, noise, rate);
      // In process and in the worker, learnt in uneven chunks as they come (up to part of it, or all of it),
      // the rest at the end: the same samples out as denoiseWhole's.
      for (const streams of [denoiser, worker])
        for (const learnt of [0, 7000, noise.length]) {
          const utterance = new UtteranceDenoise(streams, rate);
          for (let at = 0; at < learnt; at += 333)
            utterance.learn(noise.subarray(at, Math.min(at + 333, learnt)));
          expect(await utterance.denoise(noise)).toEqual(whole);
          utterance.release();
        }
      // Told of less audio than it has learnt, it refuses.
      const utterance = new UtteranceDenoise(denoiser, rate);
      utterance.learn(noise);
      await expect(utterance.denoise(noise.subarray(0, 100))).rejects.toThrow(/fewer than/);
      utterance.release();
    } finally {
      await worker.close();
    }
  });

  it('refuses a stream used after release', async () => {
    const stream = (await RnnoiseDenoiser.load()).stream(rate);
    stream.release();
    stream.release();
    expect(() => stream.push(new Float32Array(320))).toThrow(/after release/);
  });
});
