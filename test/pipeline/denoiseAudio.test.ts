import { describe, expect, it } from 'vitest';
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

  it('without a denoiser, is the identity', async () => {
    const audio: StreamItem = { kind: 'audio', pcm: Float32Array.of(0.5), sampleRate: 16000, atMs: 0 };
    expect(await runStage(denoiseAudio(null), [audio])).toEqual([audio]);
  });
});
