import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { type Device, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

/** The CMU model's Gaussian selection (see models/am-en-us/README.md). */
export const defaultGaussianSelectorPath = fileURLToPath(
  new URL('../../models/am-en-us/gaussians.onnx', import.meta.url),
);

const featureDim = 39;

/** One stream's chunk: each frame's 4 best Gaussians per stream and codebook, and which densities they are. */
export interface SelectedGaussians {
  readonly frames: number;
  /** [frames, streams, codebooks, 4] natural-log likelihoods. */
  readonly top: Float32Array;
  /** [frames, streams, codebooks, 4] density indices. */
  readonly index: Int32Array;
}

/**
 * The dense half of the CMU model's senone scoring: Sphinx features in, every Gaussian of every codebook
 * evaluated (one matmul per feature stream) and each codebook's top 4 out. The mixture weights are applied to
 * the senones a search needs (src/asr/senoneMixture.ts). One ONNX session shared by every stream, stateless.
 */
export class GaussianSelector {
  private constructor(
    private readonly session: ModelSession,
    /** Feature streams, codebooks and kept Gaussians per codebook of each output frame. */
    readonly shape: { readonly streams: number; readonly codebooks: number; readonly top: number },
    readonly provider: string,
    readonly providerReason: string,
  ) {}

  /** Opens the model and learns its output shape from one frame of silence (which also warms it up). */
  static async load(
    options: { path?: string; device?: Device; worker?: boolean } = {},
  ): Promise<GaussianSelector> {
    const opened = await openSession(options.path ?? defaultGaussianSelectorPath, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    const probe = await opened.session.run({
      feats: new ort.Tensor('float32', new Float32Array(featureDim), [1, 1, featureDim]),
    });
    const dims = probe['top']?.dims ?? [];
    const shape = { streams: Number(dims[2]), codebooks: Number(dims[3]), top: Number(dims[4]) };
    return new GaussianSelector(opened.session, shape, opened.provider, opened.reason);
  }

  /** Feature values per input frame. */
  get dim(): number {
    return featureDim;
  }

  /** Selects the Gaussians of one chunk of each stream ([frames, 39] row-major each) in one batch. */
  async run(feats: readonly Float32Array[], frames: number): Promise<SelectedGaussians[]> {
    const chunk = frames * featureDim;
    for (const [i, f] of feats.entries())
      if (f.length !== chunk)
        throw new RangeError(`stream ${i}: ${f.length} feature values, expected ${frames} × ${featureDim}`);
    if (feats.length === 0 || frames === 0)
      return feats.map(() => ({ frames: 0, top: new Float32Array(0), index: new Int32Array(0) }));
    const input = new Float32Array(feats.length * chunk);
    feats.forEach((f, i) => input.set(f, i * chunk));
    const out = await this.session.run({
      feats: new ort.Tensor('float32', input, [feats.length, frames, featureDim]),
    });
    const top = out['top']?.data as Float32Array;
    const index = out['index']?.data as Int32Array;
    const size = frames * this.shape.streams * this.shape.codebooks * this.shape.top;
    return feats.map((_, i) => ({
      frames,
      top: top.slice(i * size, (i + 1) * size),
      index: index.slice(i * size, (i + 1) * size),
    }));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
