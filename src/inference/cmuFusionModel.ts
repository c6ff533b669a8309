import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { type Device, ModelLoadError, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

/** The format of the fusion model on the CMU path that this code runs (scripts/voxtrain/fusion_cmu.py). */
export const cmuFusionFormat = 'voxstream-fusion-cmu-1';

/** The inputs of one utterance's candidates, already laid out ({@link CmuFusionModel.run}). */
export interface CmuFusionBatch {
  /** Candidates. */
  readonly batch: number;
  /** Frames each candidate sees (the same frames for all, padded to this). */
  readonly frames: number;
  /** [batch, frames, frameDim]: each frame's CI senone scores less the frame's best. */
  readonly frameScores: Float32Array;
  readonly frameMask: Float32Array;
  /** [batch, frames]: 1 where the frame lies within the candidate's words. */
  readonly span: Float32Array;
  /** Tokens a candidate at most (CLS first); [batch, length] ids, 0 = padding. */
  readonly length: number;
  readonly tokens: BigInt64Array;
  readonly tokenMask: Float32Array;
  /** [batch, features] (the model's `features`, in order). */
  readonly feats: Float32Array;
}

/** What fusion-cmu.json says about the model. */
interface Meta {
  format?: string;
  features: string[];
  config: { frame_dim: number; vocab: number };
  /** The base phones, in token order (token i + 1). */
  phones: string[];
  accept_logit: number;
  /** Fewest parses an utterance needs for the model to weigh them (scripts/realspeech/fusion_gate.py); 1 if absent. */
  min_parses?: number;
}

/**
 * The audio–text attention fusion model on the CMU path: each candidate parse's phones attend to the CMU
 * model's frames (their context-independent senone scores) and it returns a logit, the decoder's statistic
 * recalibrated plus what the attention adds; at or above {@link acceptLogit} is accepted (chosen on tuning
 * speakers, scripts/train_fusion_cmu.py).
 */
export class CmuFusionModel {
  private constructor(
    private readonly session: ModelSession,
    readonly frameDim: number,
    readonly features: readonly string[],
    readonly phones: readonly string[],
    readonly acceptLogit: number,
    /** Fewer complete parses than this and the decoder's statistic decides alone: nothing to choose. */
    readonly minParses: number,
    readonly provider: string,
  ) {}

  /** Token ids: 0 padding, 1.. the phones, then the word boundary, CLS and an unknown phone. */
  get wordToken(): number {
    return this.phones.length + 1;
  }
  get clsToken(): number {
    return this.phones.length + 2;
  }
  get unknownToken(): number {
    return this.phones.length + 3;
  }

  static async load(options: { path: string; device?: Device; worker?: boolean }): Promise<CmuFusionModel> {
    const metaPath = options.path.replace(/\.onnx$/, '.json');
    let meta: Meta;
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8')) as Meta;
    } catch (error) {
      throw new ModelLoadError(metaPath, error);
    }
    if (meta.format !== cmuFusionFormat) {
      throw new ModelLoadError(
        metaPath,
        new Error(
          `format is ${JSON.stringify(meta.format)}, this voxstream runs ${cmuFusionFormat} on the CMU model`,
        ),
      );
    }
    const opened = await openSession(options.path, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    return new CmuFusionModel(
      opened.session,
      meta.config.frame_dim,
      meta.features,
      meta.phones,
      meta.accept_logit,
      meta.min_parses ?? 1,
      opened.provider,
    );
  }

  /** One logit per candidate. */
  async run(b: CmuFusionBatch): Promise<number[]> {
    const out = await this.session.run({
      frames: new ort.Tensor('float32', b.frameScores, [b.batch, b.frames, this.frameDim]),
      frame_mask: new ort.Tensor('float32', b.frameMask, [b.batch, b.frames]),
      span: new ort.Tensor('float32', b.span, [b.batch, b.frames]),
      tokens: new ort.Tensor('int64', b.tokens, [b.batch, b.length]),
      token_mask: new ort.Tensor('float32', b.tokenMask, [b.batch, b.length]),
      feats: new ort.Tensor('float32', b.feats, [b.batch, this.features.length]),
    });
    return Array.from(out['logit']?.data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
