import { type OperatorFunction, mergeMap } from 'rxjs';
import { LogMelExtractor } from '../audio/index.ts';
import type { FeatureFrame, Frame } from './frames.ts';

/** Feature frames per ASR chunk: 16 × 10 ms = 160 ms, four encoder frames. */
export const chunkFrames = 16;
/** The log-mel value of digital silence (log of the 1e-10 floor): what a short last chunk is padded with. */
export const silenceFeature = Math.log(1e-10);

const bins = 80;

/**
 * Computes log-mel features of each utterance's audio, streaming, and emits them in chunks of
 * {@link chunkFrames} frames; the last chunk of an utterance is padded with silence. Audio that does not
 * complete a chunk yields a `tick` (audio time and trailing silence) so endpointing need not wait for one.
 */
export function extractFeatures(): OperatorFunction<Frame, Frame> {
  const extractor = new LogMelExtractor();
  let pending = new Float32Array(0);
  let utterance = 0;
  let endMs = 0;
  let silenceMs = 0;

  const chunks = (final: boolean): FeatureFrame[] => {
    const out: FeatureFrame[] = [];
    const size = chunkFrames * bins;
    while (pending.length >= size || (final && pending.length > 0)) {
      const feats = new Float32Array(size).fill(silenceFeature);
      feats.set(pending.subarray(0, Math.min(size, pending.length)));
      pending = pending.slice(Math.min(size, pending.length));
      out.push({ kind: 'features', utterance, feats, frames: chunkFrames, endMs, silenceMs });
    }
    return out;
  };

  return mergeMap((frame): Frame[] => {
    switch (frame.kind) {
      case 'utteranceStart':
        extractor.reset();
        pending = new Float32Array(0);
        utterance = frame.utterance;
        return [frame];
      case 'utteranceAudio': {
        if (frame.utterance !== utterance) return [];
        const feats = extractor.push(frame.pcm);
        const joined = new Float32Array(pending.length + feats.length);
        joined.set(pending);
        joined.set(feats, pending.length);
        pending = joined;
        endMs = frame.atMs + (frame.pcm.length / 16000) * 1000;
        silenceMs = frame.silenceMs;
        const ready = chunks(false);
        return ready.length > 0 ? ready : [{ kind: 'tick', utterance, endMs, silenceMs }];
      }
      case 'utteranceEnd':
        return [...(frame.utterance === utterance ? chunks(true) : []), frame];
      default:
        return [frame];
    }
  });
}
