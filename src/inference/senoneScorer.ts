import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { type Device, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

/** The CMU en-us senone scorer (see models/am-en-us/README.md). */
export const defaultSenoneScorerPath = fileURLToPath(
  new URL('../../models/am-en-us/senones.onnx', import.meta.url),
);

/** Feature values per frame the scorer takes: 13 cepstra after CMN, 13 deltas, 13 double deltas. */
export const senoneFeatureDim = 39;

/**
 * The CMU model's senone scorer: Sphinx features in, every senone's natural-log likelihood out, each frame's
 * best 0 (as pocketsphinx normalises them). Top-4 Gaussian selection and the mixture weights are inside the
 * graph. One ONNX session shared by every stream; the scorer keeps no state between runs, so a stream needs
 * nothing of its own.
 */
export class SenoneScorer {
  private constructor(
    private readonly session: ModelSession,
    /** Senones per output frame (5,126 for the en-us model). */
    readonly senones: number,
    readonly provider: string,
    readonly providerReason: string,
  ) {}

  /** Opens the model and learns its senone count from one frame of silence (which also warms it up). */
  static async load(
    options: { path?: string; device?: Device; worker?: boolean } = {},
  ): Promise<SenoneScorer> {
    const opened = await openSession(options.path ?? defaultSenoneScorerPath, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    const probe = await opened.session.run({
      feats: new ort.Tensor('float32', new Float32Array(senoneFeatureDim), [1, 1, senoneFeatureDim]),
    });
    const senones = probe['scores']?.dims[2] ?? 0;
    return new SenoneScorer(opened.session, senones, opened.provider, opened.reason);
  }

  /** Feature values per input frame. */
  get dim(): number {
    return senoneFeatureDim;
  }

  /**
   * Scores one chunk of each stream in one batch. Every chunk holds `frames` frames as [frames, 39]
   * row-major; each result is [frames, senones] row-major.
   */
  async run(feats: readonly Float32Array[], frames: number): Promise<Float32Array[]> {
    const batch = feats.length;
    const chunk = frames * senoneFeatureDim;
    for (const [i, f] of feats.entries()) {
      if (f.length !== chunk) {
        throw new RangeError(
          `stream ${i}: ${f.length} feature values, expected ${frames} × ${senoneFeatureDim}`,
        );
      }
    }
    if (batch === 0 || frames === 0) return feats.map(() => new Float32Array(0));
    const input = new Float32Array(batch * chunk);
    feats.forEach((f, i) => input.set(f, i * chunk));
    const out = await this.session.run({
      feats: new ort.Tensor('float32', input, [batch, frames, senoneFeatureDim]),
    });
    const scores = out['scores']?.data as Float32Array;
    const size = frames * this.senones;
    return feats.map((_, i) => scores.slice(i * size, (i + 1) * size));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
