import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { type Device, ModelLoadError, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';

/**
 * Where a fusion model is looked for (made by scripts/train_fusion.py). None ships at present: the one trained
 * here did not beat the CTC likelihood ratio on the dev set (models/asr/README.md, "Intent confidence").
 */
export const defaultFusionModelPath = fileURLToPath(
  new URL('../../models/fusion/fusion.onnx', import.meta.url),
);

/** One candidate to score: the utterance's encoder frames and the candidate's tokens. */
export interface FusionRequest {
  /** [frames, dim] encoder output. */
  readonly hidden: Float32Array;
  readonly frames: number;
  /** CLS, phones with word boundaries (see {@link FusionModel.tokenize}). */
  readonly tokens: readonly number[];
}

/**
 * The audio–text attention fusion model: a candidate's phone tokens attend to the encoder's frames and it
 * returns a logit (sigmoid = probability that the candidate is what was said). `run` scores any number
 * of candidates, from any number of sessions, in one batch (padded to the longest).
 */
export class FusionModel {
  private constructor(
    private readonly session: ModelSession,
    readonly dim: number,
    private readonly wordToken: number,
    private readonly clsToken: number,
    readonly provider: string,
  ) {}

  /** Whether a fusion model is at the default path. */
  static available(path: string = defaultFusionModelPath): boolean {
    return existsSync(path);
  }

  static async load(
    options: { path?: string; device?: Device; worker?: boolean } = {},
  ): Promise<FusionModel> {
    const path = options.path ?? defaultFusionModelPath;
    const metaPath = path.replace(/\.onnx$/, '.json');
    let meta: { audio_dim: number; word_token: number; cls_token: number };
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8'));
    } catch (error) {
      throw new ModelLoadError(metaPath, error);
    }
    const opened = await openSession(path, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    return new FusionModel(opened.session, meta.audio_dim, meta.word_token, meta.cls_token, opened.provider);
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
    requests.forEach((r, i) => {
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
    });
    return Array.from(out['logit']?.data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
