import { describe, expect, it } from 'vitest';
import { NoisyUtterance, type UtteranceDenoiser } from '../../src/asr/noisyUtterance.ts';

/** A denoiser that records what it learnt and whether it was released. */
function recordingDenoiser(): UtteranceDenoiser & { learnt: number[]; released: boolean } {
  const d = {
    learnt: [] as number[],
    released: false,
    learn: (pcm: Float32Array) => void d.learnt.push(pcm.length),
    features: async () => ({ feats: new Float32Array(0), cepstra: new Float32Array(0), frames: 0 }),
    release: () => void (d.released = true),
  };
  return d;
}

describe('NoisyUtterance', () => {
  function make() {
    const made: ReturnType<typeof recordingDenoiser>[] = [];
    const noisy = new NoisyUtterance({
      gateDb: 20,
      denoiser: () => {
        const d = recordingDenoiser();
        made.push(d);
        return d;
      },
    });
    return { noisy, made };
  }

  it('starts learning only below the gate, from the audio so far and then as it comes', () => {
    const { noisy, made } = make();
    noisy.learnAhead(10);
    expect(made).toHaveLength(0); // no audio yet
    noisy.push(new Float32Array(160));
    noisy.push(new Float32Array(320));
    noisy.learnAhead(25);
    noisy.learnAhead(null);
    expect(noisy.learningAhead).toBe(false);
    noisy.learnAhead(12);
    expect(noisy.learningAhead).toBe(true);
    noisy.learnAhead(5); // one denoiser an utterance
    noisy.push(new Float32Array(80));
    expect(made).toHaveLength(1);
    expect(made[0]?.learnt).toEqual([160, 320, 80]);
  });

  it('hands the learning denoiser and the audio to the pass that takes them, or a new denoiser', () => {
    const { noisy, made } = make();
    noisy.push(new Float32Array(160));
    noisy.learnAhead(0);
    const first = noisy.take();
    expect(first.denoiser).toBe(made[0]);
    expect(first.pcm.map((p) => p.length)).toEqual([160]);
    expect(noisy.learningAhead).toBe(false);
    noisy.push(new Float32Array(80));
    expect(first.pcm).toHaveLength(1); // taken as it was
    const second = noisy.take();
    expect(second.denoiser).toBe(made[1]);
    expect(second.pcm.map((p) => p.length)).toEqual([160, 80]);
  });

  it('releases a learning denoiser when stopped or reset, and forgets the audio on reset', () => {
    const { noisy, made } = make();
    noisy.push(new Float32Array(160));
    noisy.learnAhead(0);
    noisy.stop();
    expect(made[0]?.released).toBe(true);
    expect(noisy.hasAudio).toBe(true);
    noisy.learnAhead(0);
    noisy.reset();
    expect(made[1]?.released).toBe(true);
    expect(noisy.hasAudio).toBe(false);
  });
});
