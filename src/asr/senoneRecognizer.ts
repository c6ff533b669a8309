import type { GraphHypothesis } from './graphDecoder.ts';
import { HmmDecoder, type HmmDecoderOptions } from './hmmDecoder.ts';
import type { HmmGraph } from './hmmGraph.ts';
import { type LoopPhone, PhoneLoop, type PhoneLoopOptions } from './phoneLoop.ts';
import type { RecognitionResult, UtteranceRecognizer } from './recognizer.ts';

/** Scores one stream's chunk of features (through the shared, batched senone scorer). */
export interface SenoneModel {
  /** Senones per frame of output. */
  readonly senones: number;
  /** Feature values per frame of input. */
  readonly dim: number;
  /** [frames, dim] features in, [frames, senones] natural-log scores out, each frame's best 0. */
  run(feats: Float32Array, frames: number): Promise<Float32Array>;
}

/** Settings of {@link SenoneRecognizer}. */
export interface SenoneRecognizerOptions {
  decoder: Partial<HmmDecoderOptions>;
  loop: Partial<PhoneLoopOptions>;
}

/**
 * Streaming recognition of one utterance against a context with the CMU triphone model: feature chunks in,
 * senone scores from the shared scorer, a Viterbi search of the context's HMM graph and, beside it, of a free
 * phone loop (the background model that confidence is measured against). One per session.
 */
export class SenoneRecognizer implements UtteranceRecognizer {
  private readonly decoder: HmmDecoder;
  private readonly loop: PhoneLoop;
  private asrMs = 0;
  private asrMaxMs = 0;
  private decodeMs = 0;

  constructor(
    private readonly model: SenoneModel,
    readonly graph: HmmGraph,
    loopPhones: readonly LoopPhone[],
    options: Partial<SenoneRecognizerOptions> = {},
  ) {
    this.decoder = new HmmDecoder(graph, options.decoder);
    this.loop = new PhoneLoop(loopPhones, options.loop);
  }

  reset(): void {
    this.decoder.reset();
    this.loop.reset();
    this.asrMs = this.asrMaxMs = this.decodeMs = 0;
  }

  /** Feeds one chunk of features ([frames, dim]); resolves once it is decoded. */
  async push(feats: Float32Array, frames: number): Promise<void> {
    if (frames <= 0) return;
    const t0 = performance.now();
    const scores = await this.model.run(feats, frames);
    const t1 = performance.now();
    this.decoder.advance(scores, frames, this.model.senones);
    this.loop.advance(scores, frames, this.model.senones);
    this.asrMs += t1 - t0;
    this.asrMaxMs = Math.max(this.asrMaxMs, t1 - t0);
    this.decodeMs += performance.now() - t1;
  }

  partial(): GraphHypothesis | null {
    return this.decoder.partial();
  }

  finals(): GraphHypothesis[] {
    return this.decoder.finals();
  }

  /** Log-likelihood ratio per 10 ms frame of a path against the phone loop (0 = as likely; above 0 = likelier). */
  ratio(h: GraphHypothesis): number {
    return (h.score - this.loop.score) / Math.max(1, this.decoder.frames);
  }

  result(): RecognitionResult {
    return {
      hypotheses: this.decoder.finals(),
      partial: this.decoder.partial(),
      unconstrainedScore: this.loop.score,
      frames: this.decoder.frames,
      hidden: new Float32Array(0),
      dim: 0,
      logProbs: new Float32Array(0),
      tokens: 0,
      asrMs: this.asrMs,
      asrMaxMs: this.asrMaxMs,
      decodeMs: this.decodeMs,
    };
  }
}
