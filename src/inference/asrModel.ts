import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { type Device, ModelLoadError, openSession } from './providers.ts';
import type { ModelSession } from './workerSession.ts';
import { MODEL_CONTRACT } from '../audio/index.ts';

/** The shipped streaming ASR model (see models/asr/README.md). */
export const defaultAsrModelPath = fileURLToPath(new URL('../../models/asr/asr.onnx', import.meta.url));

/** What models/asr/asr.json says about the model. */
export interface AsrModelInfo {
  /** Output tokens; index 0 is the CTC blank, the rest are phones. */
  readonly tokens: readonly string[];
  /** Feature frames per encoder step. */
  readonly stack: number;
  /** Width of the hidden output (what the fusion model attends to). */
  readonly dim: number;
  /** Per-stream state shape, without the batch dimension. */
  readonly stateShape: readonly number[];
}

/** One stream's part of a batched run: its feature chunk in, its outputs back. */
export interface AsrChunkResult {
  /** [frames, tokens] log-probabilities. */
  readonly logProbs: Float32Array;
  /** [frames, dim] encoder output. */
  readonly hidden: Float32Array;
  readonly frames: number;
}

/** Per-stream recurrent state: the convolution caches of every block. */
export class AsrStreamState {
  constructor(readonly data: Float32Array) {}
  reset(): void {
    this.data.fill(0);
  }
}

/**
 * The streaming phone-CTC encoder. One ONNX session shared by every stream; each stream keeps an
 * {@link AsrStreamState}. `run` takes several streams' chunks of equal length and runs them as one batch.
 */
export class AsrModel {
  private constructor(
    private readonly session: ModelSession,
    readonly info: AsrModelInfo,
    readonly provider: string,
    readonly providerReason: string,
  ) {}

  /** Loads the model and its `.json` sidecar. */
  static async load(options: { path?: string; device?: Device; worker?: boolean } = {}): Promise<AsrModel> {
    const path = options.path ?? defaultAsrModelPath;
    const metaPath = path.replace(/\.onnx$/, '.json');
    let raw: { tokens: string[]; stack: number; dim: number; state_shape: number[] };
    try {
      raw = JSON.parse(await readFile(metaPath, 'utf8'));
    } catch (error) {
      throw new ModelLoadError(metaPath, error);
    }
    const opened = await openSession(path, {
      device: options.device ?? 'cpu',
      worker: options.worker ?? false,
    });
    const info = { tokens: raw.tokens, stack: raw.stack, dim: raw.dim, stateShape: raw.state_shape };
    return new AsrModel(opened.session, info, opened.provider, opened.reason);
  }

  /** A fresh (zero) state for a new stream. */
  createState(): AsrStreamState {
    return new AsrStreamState(new Float32Array(this.info.stateShape.reduce((a, b) => a * b, 1)));
  }

  /**
   * Runs one chunk for each stream in one batch. Every chunk holds the same number of feature frames,
   * a multiple of `info.stack`, as [frames, logMelBins] row-major. States are updated in place.
   */
  async run(chunks: readonly Float32Array[], states: readonly AsrStreamState[]): Promise<AsrChunkResult[]> {
    const batch = chunks.length;
    const featFrames = (chunks[0]?.length ?? 0) / MODEL_CONTRACT.logMelBins;
    const stateSize = states[0]?.data.length ?? 0;
    const feats = new Float32Array(batch * featFrames * MODEL_CONTRACT.logMelBins);
    const state = new Float32Array(batch * stateSize);
    chunks.forEach((c, i) => feats.set(c, i * featFrames * MODEL_CONTRACT.logMelBins));
    states.forEach((s, i) => state.set(s.data, i * stateSize));
    const out = await this.session.run({
      feats: new ort.Tensor('float32', feats, [batch, featFrames, MODEL_CONTRACT.logMelBins]),
      state: new ort.Tensor('float32', state, [batch, ...this.info.stateShape]),
    });
    const logProbs = out['logprobs']?.data as Float32Array;
    const hidden = out['hidden']?.data as Float32Array;
    const next = out['next_state']?.data as Float32Array;
    const frames = featFrames / this.info.stack;
    const tokens = this.info.tokens.length;
    return states.map((s, i) => {
      s.data.set(next.subarray(i * stateSize, (i + 1) * stateSize));
      return {
        logProbs: logProbs.slice(i * frames * tokens, (i + 1) * frames * tokens),
        hidden: hidden.slice(i * frames * this.info.dim, (i + 1) * frames * this.info.dim),
        frames,
      };
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
