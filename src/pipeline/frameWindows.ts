import { type OperatorFunction, mergeMap } from 'rxjs';
import type { Frame } from './frames.ts';

/** Samples per VAD window at 16 kHz (32 ms), what Silero VAD takes. */
export const windowSamples = 512;

/**
 * Re-cuts 16 kHz audio into fixed 32 ms windows (VAD-ready), holding a partial window between frames.
 * The windows carry no VAD result yet (`prob` 0); `detectVoice` fills it in.
 */
export function frameWindows(sampleRate = 16000): OperatorFunction<Frame, Frame> {
  const buffer = new Float32Array(windowSamples);
  let filled = 0;
  let windows = 0;
  return mergeMap((frame): Frame[] => {
    if (frame.kind !== 'audio') return [frame];
    const out: Frame[] = [];
    let at = 0;
    while (at < frame.pcm.length) {
      const take = Math.min(windowSamples - filled, frame.pcm.length - at);
      buffer.set(frame.pcm.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === windowSamples) {
        const atMs = (windows * windowSamples * 1000) / sampleRate;
        out.push({ kind: 'window', pcm: buffer.slice(), atMs, prob: 0, speaking: false, silenceMs: 0 });
        windows++;
        filled = 0;
      }
    }
    return out;
  });
}
