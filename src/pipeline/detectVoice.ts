import type { OperatorFunction } from 'rxjs';
import { VoxError } from '../protocol/index.ts';
import { concatMapBounded } from './concatMapBounded.ts';
import type { StreamItem } from './items.ts';
import { modelSamplesToMs } from '../audio/index.ts';

/** Scores one 32 ms window of one stream: speech probability in [0, 1]. */
export interface VoiceScorer {
  score(window: Float32Array): Promise<number>;
  reset(): void;
}

/** VAD hysteresis, in probability and milliseconds. */
export interface VoiceOptions {
  /** Probability at which speech turns on. Default 0.5. */
  onThreshold: number;
  /** Probability under which a window counts as non-speech while speaking. Default 0.35. */
  offThreshold: number;
  /** Speech must last this long to turn on, ms. Default 64 (two windows). */
  minSpeechMs: number;
  /** Windows that may wait for the VAD model before the session is failed (backstop). Default 256 (8 s). */
  maxQueuedWindows: number;
}

export const defaultVoiceOptions: VoiceOptions = {
  onThreshold: 0.5,
  offThreshold: 0.35,
  minSpeechMs: 64,
  maxQueuedWindows: 256,
};

/**
 * Runs voice activity detection on every window, in order, and marks it with the speech probability,
 * whether speech is on, and the trailing silence so far. Items other than windows pass through in order,
 * except `flush` (cancel), which overtakes the windows still waiting for the model and drops them.
 */
export function detectVoice(
  scorer: VoiceScorer,
  options: Partial<VoiceOptions> = {},
): OperatorFunction<StreamItem, StreamItem> {
  const o = { ...defaultVoiceOptions, ...options };
  let speaking = false;
  let onRunMs = 0;
  let silenceMs = 0;
  return concatMapBounded<StreamItem, StreamItem>(
    async (item) => {
      if (item.kind === 'flush') {
        scorer.reset();
        speaking = false;
        onRunMs = silenceMs = 0;
        return [item];
      }
      if (item.kind !== 'window') return [item];
      const prob = await scorer.score(item.pcm);
      const windowMs = modelSamplesToMs(item.pcm.length);
      if (!speaking) {
        onRunMs = prob >= o.onThreshold ? onRunMs + windowMs : 0;
        speaking = onRunMs >= o.minSpeechMs;
      } else if (prob < o.offThreshold) {
        speaking = false;
        onRunMs = 0;
      }
      silenceMs = speaking ? 0 : silenceMs + windowMs;
      return [{ ...item, prob, speaking, silenceMs }];
    },
    o.maxQueuedWindows,
    () =>
      new VoxError('VX_BACKPRESSURE', `more than ${o.maxQueuedWindows} audio windows waiting for the VAD`),
    // A cancel does not wait behind seconds of queued audio: the windows it would discard anyway go at once.
    // `end` (stop) waits its turn: the audio before it is the rest of the last utterance.
    { overtakes: (item) => item.kind === 'flush', drops: (queued) => queued.kind === 'window' },
  );
}
