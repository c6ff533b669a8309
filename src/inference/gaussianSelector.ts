import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { type Device, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

/** The CMU model's Gaussian selection (see models/am-en-us/README.md). */
export const defaultGaussianSelectorPath = fileURLToPath(
  new URL('../../models/am-en-us/gaussians.onnx', import.meta.url),
);

const featureDim = 39;
/** Gaussians kept per codebook where the caller does not say (pocketsphinx's top-N). */
const defaultKept = 4;

/** One stream's chunk: each frame's K best Gaussians per stream and codebook, and which densities they are. */
export interface SelectedGaussians {
  readonly frames: number;
  /** K: Gaussians kept per codebook. */
  readonly kept: number;
  /** [frames, streams, codebooks, K] natural-log likelihoods, best first. */
  readonly top: Float32Array;
  /** [frames, streams, codebooks, K] density indices. */
  readonly index: Int32Array;
}

/**
 * The dense half of the CMU model's senone scoring: Sphinx features in, every Gaussian of every codebook
 * evaluated (one matmul per feature stream) and each codebook's top K out, K an input of the model
 * (scripts/export_cmu_gaussians.py); an older export without that input always gives its own K (4). The
 * mixture weights are applied to the senones a search needs (src/asr/senoneMixture.ts). One ONNX session
 * shared by every stream, stateless.
 */
export class GaussianSelector {
  private constructor(
    private readonly session: ModelSession,
    /** Feature streams and codebooks of each output frame; `top`: the K of a run that does not ask for one. */
    readonly shape: { readonly streams: number; readonly codebooks: number; readonly top: number },
    /** Whether a run may ask for its K; false for an older export, whose K is `shape.top`. */
    readonly variableK: boolean,
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
    const variableK = opened.session.inputNames.includes('k');
    const feats = new ort.Tensor('float32', new Float32Array(featureDim), [1, 1, featureDim]);
    const probe = await opened.session.run({ feats, ...(variableK ? { k: kTensor(defaultKept) } : {}) });
    const dims = probe['top']?.dims ?? [];
    const shape = { streams: Number(dims[2]), codebooks: Number(dims[3]), top: Number(dims[4]) };
    return new GaussianSelector(opened.session, shape, variableK, opened.provider, opened.reason);
  }

  /** Feature values per input frame. */
  get dim(): number {
    return featureDim;
  }

  /**
   * Selects the `kept` best Gaussians per codebook of one chunk of each stream ([frames, 39] row-major each)
   * in one batch; `kept` defaults to {@link shape}.top and is that whatever is asked of an older export. A
   * `kept` above the codebooks' size fails in the model (the caller checks it against the mixture weights).
   *
   * @throws RangeError when `kept` is not a positive integer.
   */
  async run(
    feats: readonly Float32Array[],
    frames: number,
    kept: number = this.shape.top,
  ): Promise<SelectedGaussians[]> {
    if (!Number.isInteger(kept) || kept < 1) throw new RangeError(`kept: a positive integer, got ${kept}`);
    const k = this.variableK ? kept : this.shape.top;
    const chunk = frames * featureDim;
    for (const [i, f] of feats.entries())
      if (f.length !== chunk)
        throw new RangeError(`stream ${i}: ${f.length} feature values, expected ${frames} × ${featureDim}`);
    if (feats.length === 0 || frames === 0)
      return feats.map(() => ({ frames: 0, kept: k, top: new Float32Array(0), index: new Int32Array(0) }));
    const input = new Float32Array(feats.length * chunk);
    feats.forEach((f, i) => input.set(f, i * chunk));
    const out = await this.session.run({
      feats: new ort.Tensor('float32', input, [feats.length, frames, featureDim]),
      ...(this.variableK ? { k: kTensor(k) } : {}),
    });
    const top = out['top']?.data as Float32Array;
    const index = out['index']?.data as Int32Array;
    const size = frames * this.shape.streams * this.shape.codebooks * k;
    return feats.map((_, i) => ({
      frames,
      kept: k,
      top: top.slice(i * size, (i + 1) * size),
      index: index.slice(i * size, (i + 1) * size),
    }));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function kTensor(k: number): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
}
