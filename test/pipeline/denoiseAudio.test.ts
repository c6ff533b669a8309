import { describe, expect, it } from 'vitest';
import { RnnoiseDenoiser } from '../../src/audio/rnnoise.ts';
import { RnnoiseWorker } from '../../src/audio/rnnoiseWorkerClient.ts';
import { type Denoiser, denoiseAudio } from '../../src/pipeline/denoiseAudio.ts';
import type { StreamItem } from '../../src/pipeline/items.ts';
import { runStage } from '../helpers/stage.ts';

describe('denoiseAudio', () => {
  it('runs audio items through the denoiser, keeps their audio time, passes the rest and releases it at the end', async () => {
    let released = 0;
    const halve: Denoiser = {
      push: (pcm) => pcm.map((x) => x / 2),
      release: () => void released++,
    };
    const audio: StreamItem = { kind: 'audio', pcm: Float32Array.of(0.5, -0.5), sampleRate: 16000, atMs: 40 };
    const end: StreamItem = { kind: 'end' } as StreamItem;
    const out = await runStage(denoiseAudio(halve), [audio, end]);
    expect(out).toEqual([{ ...audio, pcm: Float32Array.of(0.25, -0.25) }, end]);
    expect(released).toBe(1);
  });

  it('keeps the input order when answers come back later (a worker) and errors the stream on a failed chunk', async () => {
    // Answers arrive in reverse order of their delays: later items must still wait for earlier audio.
    let n = 0;
    const slow: Denoiser = {
      push: (pcm) => new Promise((resolve) => setTimeout(() => resolve(pcm.map((x) => x * 2)), 20 - 5 * n++)),
      release: () => undefined,
    };
    const items: StreamItem[] = [
      { kind: 'audio', pcm: Float32Array.of(1), sampleRate: 16000, atMs: 0 },
      { kind: 'audio', pcm: Float32Array.of(2), sampleRate: 16000, atMs: 20 },
      { kind: 'flush' } as StreamItem,
      { kind: 'audio', pcm: Float32Array.of(3), sampleRate: 16000, atMs: 40 },
      { kind: 'end' } as StreamItem,
    ];
    const out = await runStage(denoiseAudio(slow), items);
    expect(out.map((i) => (i.kind === 'audio' ? i.pcm[0] : i.kind))).toEqual([2, 4, 'flush', 6, 'end']);
    const failing: Denoiser = {
      push: () => Promise.reject(new Error('worker gone')),
      release: () => undefined,
    };
    await expect(runStage(denoiseAudio(failing), items)).rejects.toThrow('worker gone');
  });

  it('in its worker, RNNoise gives what it gives in process, chunk for chunk', async () => {
    let state = 5;
    const noise = Float32Array.from(
      { length: 16000 },
      () => 0.1 * (((state = (state * 16807) % 2147483647) / 2147483647) * 2 - 1),
    );
    const local = (await RnnoiseDenoiser.load()).stream(16000);
    const worker = await RnnoiseWorker.start();
    try {
      const remote = worker.stream(16000);
      for (let at = 0; at < noise.length; at += 320) {
        const chunk = noise.subarray(at, at + 320);
        expect(await remote.push(chunk)).toEqual(local.push(chunk));
      }
      remote.release();
      await expect(remote.push(noise)).rejects.toThrow(/after release/);
    } finally {
      local.release();
      await worker.close();
    }
  });

  it('without a denoiser, is the identity', async () => {
    const audio: StreamItem = { kind: 'audio', pcm: Float32Array.of(0.5), sampleRate: 16000, atMs: 0 };
    expect(await runStage(denoiseAudio(null), [audio])).toEqual([audio]);
  });
});
