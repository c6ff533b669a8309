/**
 * What the models take, declared once: the sample rate, the VAD window and the feature sizes. The pipeline,
 * the front ends and the model wrappers derive their sizes from here instead of repeating the numbers.
 */
export const MODEL_CONTRACT = {
  /** Sample rate of all model input, Hz: every stream is resampled to it on arrival. */
  sampleRate: 16000,
  /** Samples in one VAD window (Silero VAD v5 at 16 kHz: 32 ms). */
  vadWindowSamples: 512,
  /** Feature frames per second, for both acoustic models: one frame every 10 ms. */
  frameRate: 100,
  /** Log-mel bins per frame of the CTC encoder's features. */
  logMelBins: 80,
} as const;

/** Length of one VAD window, ms (32). */
export const VAD_WINDOW_MS = (MODEL_CONTRACT.vadWindowSamples / MODEL_CONTRACT.sampleRate) * 1000;

/** Duration of `samples` samples at the model rate, ms. */
export function modelSamplesToMs(samples: number): number {
  return (samples / MODEL_CONTRACT.sampleRate) * 1000;
}
