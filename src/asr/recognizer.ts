import type { AsrChunkResult, AsrStreamState } from '../inference/asrModel.ts';
import { GraphDecoder, type GraphDecoderOptions, type GraphHypothesis } from './graphDecoder.ts';
import type { PhoneGraph } from './phoneGraph.ts';

/** Runs one stream's chunk through the (batched) acoustic model. */
export interface AcousticModel {
  readonly tokens: number;
  readonly dim: number;
  createState(): AsrStreamState;
  run(feats: Float32Array, state: AsrStreamState): Promise<AsrChunkResult>;
}

/** What the recognizer knows about an utterance once it has ended. */
export interface RecognitionResult {
  /** Complete parses, best CTC score first (one per intent reached). */
  readonly hypotheses: readonly GraphHypothesis[];
  /** Best path of any kind (complete or not). */
  readonly partial: GraphHypothesis | null;
  /** CTC log-score of the best unconstrained path, the reference for confidence. */
  readonly unconstrainedScore: number;
  /** Encoder steps (40 ms each). */
  readonly frames: number;
  /** Encoder output, [frames, dim] row-major: what the fusion model attends to. */
  readonly hidden: Float32Array;
  readonly dim: number;
  /** CTC log-probabilities, [frames, tokens] row-major: what a second pass scores other candidates with. */
  readonly logProbs: Float32Array;
  readonly tokens: number;
  /** Milliseconds spent waiting for the acoustic model (batch queue included) and decoding, over the utterance. */
  readonly asrMs: number;
  /** The slowest single chunk's wait for the acoustic model, ms: what the `asr` budget bounds. */
  readonly asrMaxMs: number;
  readonly decodeMs: number;
  /** True when the result came from the utterance's denoised audio (the CMU model's noisy-utterance pass). */
  readonly denoised?: boolean;
}

/**
 * What the recognition stage needs of a recognizer: streaming recognition of one utterance against a context,
 * feature chunks in, partial paths out, and a {@link RecognitionResult} at the end. One per session;
 * `reset()` at each utterance start.
 */
export interface UtteranceRecognizer {
  reset(): void;
  /**
   * Feeds one chunk of features ([frames, feature dim] row-major), the front end's side data of the same
   * frames (empty where it has none) and the 16 kHz audio the front end took in since the chunk before;
   * resolves once it is decoded.
   */
  push(feats: Float32Array, frames: number, side?: Float32Array, pcm?: Float32Array): Promise<void>;
  /** Where the recognizer has a second pass over the whole utterance: runs it, before {@link result}. */
  finish?(): Promise<void>;
  /**
   * The utterance may be over (its words are followed by a pause): start the second pass now, so that
   * {@link finish} finds it done, or under way, if nothing changes before the end.
   */
  finishAhead?(): void;
  /** The speaker went on after all: forget the pass {@link finishAhead} started. */
  dropAhead?(): void;
  /** The best path so far. */
  partial(): GraphHypothesis | null;
  /** Complete parses so far, best first. */
  finals(): GraphHypothesis[];
  /**
   * The confidence statistic of a path against the recognizer's reference: the per-frame log-likelihood ratio
   * (CTC), or that ratio above a floor scaled by the words' length (CMU: `RatioStatistic`).
   */
  ratio(h: GraphHypothesis): number;
  result(): RecognitionResult;
}

/** {@link UtteranceRecognizer} over the phone-CTC encoder and its graph decoder. */
export class Recognizer implements UtteranceRecognizer {
  private readonly decoder: GraphDecoder;
  private readonly state: AsrStreamState;
  private hidden: Float32Array[] = [];
  private logProbs: Float32Array[] = [];
  private asrMs = 0;
  private asrMaxMs = 0;
  private decodeMs = 0;

  constructor(
    private readonly model: AcousticModel,
    readonly graph: PhoneGraph,
    options: Partial<GraphDecoderOptions> = {},
  ) {
    this.decoder = new GraphDecoder(graph, options);
    this.state = model.createState();
  }

  reset(): void {
    this.decoder.reset();
    this.state.reset();
    this.hidden = [];
    this.logProbs = [];
    this.asrMs = this.asrMaxMs = this.decodeMs = 0;
  }

  /** Feeds one chunk of features ([frames, 80], always a whole chunk); resolves once it is decoded. */
  async push(feats: Float32Array, _frames?: number): Promise<void> {
    const t0 = performance.now();
    const out = await this.model.run(feats, this.state);
    const t1 = performance.now();
    this.decoder.advance(out.logProbs, out.frames, this.model.tokens);
    this.hidden.push(out.hidden);
    this.logProbs.push(out.logProbs.subarray(0, out.frames * this.model.tokens));
    this.asrMs += t1 - t0;
    this.asrMaxMs = Math.max(this.asrMaxMs, t1 - t0);
    this.decodeMs += performance.now() - t1;
  }

  /** The best path so far. */
  partial(): GraphHypothesis | null {
    return this.decoder.partial();
  }

  /** Complete parses so far, best first. */
  finals(): GraphHypothesis[] {
    return this.decoder.finals();
  }

  /** Log-likelihood ratio per frame of a path against the unconstrained best path (≤ 0; 0 = as likely). */
  ratio(h: GraphHypothesis): number {
    return (h.score - this.decoder.unconstrainedScore) / Math.max(1, this.decoder.frames);
  }

  result(): RecognitionResult {
    const frames = this.decoder.frames;
    return {
      hypotheses: this.decoder.finals(),
      partial: this.decoder.partial(),
      unconstrainedScore: this.decoder.unconstrainedScore,
      frames,
      hidden: concat(this.hidden, frames * this.model.dim),
      dim: this.model.dim,
      logProbs: concat(this.logProbs, frames * this.model.tokens),
      tokens: this.model.tokens,
      asrMs: this.asrMs,
      asrMaxMs: this.asrMaxMs,
      decodeMs: this.decodeMs,
    };
  }
}

function concat(parts: readonly Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, Math.min(p.length, length - at)), at);
    at += p.length;
    if (at >= length) break;
  }
  return out;
}
