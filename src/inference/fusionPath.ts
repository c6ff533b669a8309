import { fileURLToPath } from 'node:url';

/**
 * The shipped fusion model (made by scripts/train_fusion.py; card in models/fusion/README.md). Off unless
 * asked for (`--fusion on`): on held-out voices it did not beat the CTC ratio alone, and it costs capacity.
 * In a file of its own so that command-line parsing can name it without loading onnxruntime.
 */
export const defaultFusionModelPath = fileURLToPath(
  new URL('../../models/fusion/fusion.onnx', import.meta.url),
);
