import {
  LogMelExtractor,
  SPHINX_FRONT_END,
  SphinxFeatures,
  type SphinxFeaturesOptions,
} from '../audio/index.ts';
import type { FeatureStream } from '../pipeline/index.ts';

/** The log-mel value of digital silence (log of the 1e-10 floor): what a short last chunk is padded with. */
export const logMelSilence = Math.log(1e-10);

/**
 * 80-bin log-mel features for the phone-CTC encoder, which takes whole chunks only: a short last chunk is
 * padded with digital silence. Each utterance starts afresh.
 */
export function logMelFeatures(): FeatureStream {
  const extractor = new LogMelExtractor();
  return {
    dim: LogMelExtractor.melBins,
    pad: logMelSilence,
    startUtterance: () => extractor.reset(),
    push: (pcm) => extractor.push(pcm),
    end: () => new Float32Array(0),
    sideDim: 0,
    side: () => new Float32Array(0),
  };
}

/**
 * Sphinx MFCC, live cepstral mean normalisation and deltas (39 values a frame) for the CMU model; the last
 * chunk is sent short. The running cepstral mean carries over from one utterance of a session to the next.
 * Each frame's cepstra before normalisation (13) go along as side data, for the recognizer's second pass.
 */
export function sphinxFeatures(options: Partial<SphinxFeaturesOptions> = {}): FeatureStream {
  const extractor = new SphinxFeatures(options);
  return {
    dim: SPHINX_FRONT_END.featureDims,
    pad: null,
    startUtterance: () => extractor.startUtterance(),
    push: (pcm) => extractor.push(pcm),
    end: () => extractor.end(),
    sideDim: 13,
    side: (from, count) => extractor.utteranceCepstra(from, count),
  };
}
