import { type OperatorFunction, mergeMap } from 'rxjs';
import type { FeatureItem, StreamItem } from './items.ts';
import { modelSamplesToMs } from '../audio/index.ts';

/** Feature frames (10 ms each) per recognition chunk: 16 × 10 ms = 160 ms. */
export const chunkFrames = 16;

/**
 * One session's feature extractor, as the feature stage drives it (the acoustic model in use decides which:
 * 80 log-mel bins for the CTC encoder, Sphinx MFCC with live CMN and deltas for the CMU model).
 */
export interface FeatureStream {
  /** Values per item. */
  readonly dim: number;
  /**
   * The value a short last chunk is padded with to a whole chunk (a model that takes only whole chunks), or
   * null to send the last chunk short.
   */
  readonly pad: number | null;
  /** A new utterance starts (state that spans utterances, such as a running cepstral mean, may stay). */
  startUtterance(): void;
  /** Feature rows ([n, dim] row-major) completed by these 16 kHz samples in [-1, 1]. */
  push(pcm: Float32Array): Float32Array;
  /** The rows still held back (look-ahead) at the utterance's end. */
  end(): Float32Array;
  /** Values per item of side data that travels with the rows to the recognizer (0: none). */
  readonly sideDim: number;
  /** Side data of the utterance's rows `from` … `from + count − 1` ([count, sideDim]). */
  side(from: number, count: number): Float32Array;
}

/**
 * Computes each utterance's features, streaming, and emits them in chunks of {@link chunkFrames} frames.
 * Audio that does not complete a chunk yields a `tick` (audio time and trailing silence) so endpointing need
 * not wait for one.
 */
export function extractFeatures(extractor: FeatureStream): OperatorFunction<StreamItem, StreamItem> {
  const { dim, sideDim } = extractor;
  let pending = new Float32Array(0);
  let pendingSide = new Float32Array(0);
  /** Audio taken in since the last chunk went out (it goes with the next). */
  let pendingPcm = new Float32Array(0);
  /** Rows of the utterance so far. */
  let rows = 0;
  let utterance = 0;
  let endMs = 0;
  let silenceMs = 0;

  const join = (a: Float32Array, b: Float32Array) => {
    const joined = new Float32Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    return joined;
  };
  const append = (more: Float32Array) => {
    if (more.length === 0) return;
    const count = more.length / dim;
    pending = join(pending, more);
    if (sideDim > 0) pendingSide = join(pendingSide, extractor.side(rows, count));
    rows += count;
  };

  const chunks = (final: boolean): FeatureItem[] => {
    const out: FeatureItem[] = [];
    const size = chunkFrames * dim;
    while (pending.length >= size || (final && pending.length > 0)) {
      const take = Math.min(size, pending.length);
      const whole = extractor.pad !== null;
      const feats = new Float32Array(whole ? size : take);
      if (whole) feats.fill(extractor.pad as number);
      feats.set(pending.subarray(0, take));
      pending = pending.slice(take);
      const sideTake = (take / dim) * sideDim;
      const side = pendingSide.slice(0, sideTake);
      pendingSide = pendingSide.slice(sideTake);
      const pcm = pendingPcm;
      pendingPcm = new Float32Array(0);
      out.push({
        kind: 'features',
        utterance,
        feats,
        frames: whole ? chunkFrames : take / dim,
        side,
        pcm,
        endMs,
        silenceMs,
      });
    }
    return out;
  };

  return mergeMap((item): StreamItem[] => {
    switch (item.kind) {
      case 'utteranceStart':
        extractor.startUtterance();
        pending = new Float32Array(0);
        pendingSide = new Float32Array(0);
        pendingPcm = new Float32Array(0);
        rows = 0;
        utterance = item.utterance;
        return [item];
      case 'utteranceAudio': {
        if (item.utterance !== utterance) return [];
        pendingPcm = join(pendingPcm, item.pcm);
        append(extractor.push(item.pcm));
        endMs = item.atMs + modelSamplesToMs(item.pcm.length);
        silenceMs = item.silenceMs;
        const ready = chunks(false);
        return ready.length > 0 ? ready : [{ kind: 'tick', utterance, endMs, silenceMs }];
      }
      case 'utteranceEnd':
        if (item.utterance !== utterance) return [item];
        append(extractor.end());
        return [...chunks(true), item];
      default:
        return [item];
    }
  });
}
