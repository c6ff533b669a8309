import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { defaultFusionModelPath } from './fusionPath.ts';
import { type Device, ModelLoadError, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

export { defaultFusionModelPath };

/** One candidate to score: the utterance's encoder steps and the candidate's tokens. */
export interface FusionRequest {
  /** [frames, dim] encoder output. */
  readonly hidden: Float32Array;
  readonly frames: number;
  /** CLS, phones with word boundaries (see {@link FusionModel.tokenize}). */
  readonly tokens: readonly number[];
  /** The candidate's CTC likelihood ratio per frame against the unconstrained best path (≤ 0). */
  readonly ratio: number;
}

/** The fusion model format this code runs (scripts/voxtrain/fusion.py): version 2 takes the CTC ratio too. */
export const fusionFormat = 'voxstream-fusion-2';

/** Ratios below this are given as this (as in training: a path the frames cannot hold scores -Infinity). */
export const fusionRatioFloor = -5;

/**
 * The audio–text attention fusion model: a candidate's phone tokens attend to the encoder's frames and it
 * returns a logit (sigmoid = probability that the candidate is what was said): the CTC ratio's calibrated
 * score plus what the attention adds. `run` scores any number of candidates, from any number of sessions,
 * in one batch (padded to the longest).
 */
export class FusionModel {
  private constructor(
    private readonly session: ModelSession,
    readonly dim: number,
    private readonly wordToken: number,
    private readonly clsToken: number,
    readonly provider: string,
    /**
     * Accept thresholds chosen with this model on the development set (scripts/tune-threshold.ts), one per
     * kind of confidence (`ratio`: the CTC ratio of the parse it chose; `fusion`: its own).
     */
    readonly acceptThresholds: Partial<Record<'ratio' | 'fusion', number>>,
  ) {}

  static async load(
    options: { path?: string; device?: Device; worker?: boolean } = {},
  ): Promise<FusionModel> {
    const path = options.path ?? defaultFusionModelPath;
    const metaPath = path.replace(/\.onnx$/, '.json');
    let meta: {
      format?: string;
      audio_dim: number;
      word_token: number;
      cls_token: number;
      accept_thresholds?: Partial<Record<'ratio' | 'fusion', number>>;
    };
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8'));
    } catch (error) {
      throw new ModelLoadError(metaPath, error);
    }
    if (meta.format !== fusionFormat) {
      throw new ModelLoadError(
        metaPath,
        new Error(`format is ${JSON.stringify(meta.format)}, this voxstream runs ${fusionFormat}`),
      );
    }
    const opened = await openSession(path, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    return new FusionModel(
      opened.session,
      meta.audio_dim,
      meta.word_token,
      meta.cls_token,
      opened.provider,
      meta.accept_thresholds ?? {},
    );
  }

  /** Token sequence of a candidate: CLS, then each word's phone token ids, words separated by a boundary. */
  tokenize(wordsPhoneIds: readonly (readonly number[])[]): number[] {
    const out = [this.clsToken];
    wordsPhoneIds.forEach((ids, i) => {
      if (i > 0) out.push(this.wordToken);
      out.push(...ids);
    });
    return out;
  }

  async run(requests: readonly FusionRequest[]): Promise<number[]> {
    const b = requests.length;
    const t = Math.max(1, ...requests.map((r) => r.frames));
    const l = Math.max(1, ...requests.map((r) => r.tokens.length));
    const hidden = new Float32Array(b * t * this.dim);
    const audioMask = new Float32Array(b * t);
    const tokens = new BigInt64Array(b * l);
    const tokenMask = new Float32Array(b * l);
    const ratio = new Float32Array(b);
    requests.forEach((r, i) => {
      ratio[i] = Math.max(fusionRatioFloor, r.ratio);
      hidden.set(r.hidden.subarray(0, r.frames * this.dim), i * t * this.dim);
      audioMask.fill(1, i * t, i * t + r.frames);
      r.tokens.forEach((tok, j) => {
        tokens[i * l + j] = BigInt(tok);
        tokenMask[i * l + j] = 1;
      });
    });
    const out = await this.session.run({
      hidden: new ort.Tensor('float32', hidden, [b, t, this.dim]),
      audio_mask: new ort.Tensor('float32', audioMask, [b, t]),
      tokens: new ort.Tensor('int64', tokens, [b, l]),
      token_mask: new ort.Tensor('float32', tokenMask, [b, l]),
      ratio: new ort.Tensor('float32', ratio, [b]),
    });
    return Array.from(out['logit']?.data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
