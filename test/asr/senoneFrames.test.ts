import { describe, expect, it } from 'vitest';
import { denseSenoneFrames, downsampledSenoneFrames } from '../../src/asr/senoneFrames.ts';

describe('downsampledSenoneFrames', () => {
  // 3 scored frames of 2 senones: frame k's senone s scores 10k + s.
  const kept = denseSenoneFrames(Float32Array.from([0, 1, 10, 11, 20, 21]), 3, 2);

  it('gives each frame the scores of the last scored frame at or before it', () => {
    const frames = downsampledSenoneFrames(kept, 2, 6);
    expect(frames.frames).toBe(6);
    const rows = Array.from({ length: 6 }, (_, t) => [frames.score(t, 0), frames.score(t, 1)]);
    expect(rows).toEqual([
      [0, 1],
      [0, 1],
      [10, 11],
      [10, 11],
      [20, 21],
      [20, 21],
    ]);
    // An odd chunk: its last frame is a scored one.
    expect(downsampledSenoneFrames(kept, 2, 5).score(4, 1)).toBe(21);
    expect(downsampledSenoneFrames(kept, 3, 7).score(6, 0)).toBe(20);
  });

  it('is the scores themselves at ratio 1', () => {
    expect(downsampledSenoneFrames(kept, 1, 3)).toBe(kept);
  });

  it('refuses scored frames that do not make the chunk', () => {
    expect(() => downsampledSenoneFrames(kept, 2, 7)).toThrow(RangeError);
    expect(() => downsampledSenoneFrames(kept, 0, 3)).toThrow(RangeError);
  });
});
