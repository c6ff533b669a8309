import { type OperatorFunction, mergeMap } from 'rxjs';
import type { StreamItem } from './items.ts';
import { MODEL_CONTRACT } from '../audio/index.ts';

/** Samples per VAD window (32 ms at the model rate), what Silero VAD takes. */
export const windowSamples = MODEL_CONTRACT.vadWindowSamples;

/**
 * Re-cuts 16 kHz audio into fixed 32 ms windows (VAD-ready), holding a partial window between audio items.
 * The windows carry no VAD result yet (`prob` 0); `detectVoice` fills it in.
 */
export function windowAudio(
  sampleRate: number = MODEL_CONTRACT.sampleRate,
): OperatorFunction<StreamItem, StreamItem> {
  const buffer = new Float32Array(windowSamples);
  let filled = 0;
  let windows = 0;
  return mergeMap((item): StreamItem[] => {
    if (item.kind !== 'audio') return [item];
    const out: StreamItem[] = [];
    let at = 0;
    while (at < item.pcm.length) {
      const take = Math.min(windowSamples - filled, item.pcm.length - at);
      buffer.set(item.pcm.subarray(at, at + take), filled);
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
