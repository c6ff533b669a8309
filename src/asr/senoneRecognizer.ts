import type { GraphHypothesis } from './graphDecoder.ts';
import { HmmDecoder, type HmmDecoderOptions } from './hmmDecoder.ts';
import type { HmmGraph } from './hmmGraph.ts';
import { type LoopPhone, PhoneLoop, type PhoneLoopOptions } from './phoneLoop.ts';
import type { RecognitionResult, UtteranceRecognizer } from './recognizer.ts';
import type { SenoneFrames } from './senoneFrames.ts';

/** Scores one stream's chunk of features (through the shared, batched acoustic model). */
export interface SenoneModel {
  /** Feature values per frame of input. */
  readonly dim: number;
  /** [frames, dim] features in, the frames' senone scores out. */
  run(feats: Float32Array, frames: number): Promise<SenoneFrames>;
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
    this.decoder.advance(scores);
    this.loop.advance(scores);
    this.asrMs += t1 - t0;
    this.asrMaxMs = Math.max(this.asrMaxMs, t1 - t0);
    this.decodeMs += performance.now() - t1;
  }

  partial(): GraphHypothesis | null {
    return this.decoder.partial();
  }

  /** Complete parses so far, best first, each with its {@link ratio}. */
  finals(): GraphHypothesis[] {
    return this.decoder.finals().map((h) => ({ ...h, ratio: this.ratio(h) }));
  }

  /**
   * Log-likelihood ratio per 10 ms frame of a path against the phone loop over the frames of its words (the
   * silence around them, which both model alike, would only dilute it): 0 = as likely, above 0 = likelier.
   * A path without words gets -10.
   */
  ratio(h: GraphHypothesis): number {
    const span = h.speech;
    if (!span || span.end <= span.start) return -10;
    const loop = this.loop.scoreAt(span.end) - this.loop.scoreAt(span.start);
    return (span.score - loop) / (span.end - span.start);
  }

  result(): RecognitionResult {
    return {
      hypotheses: this.finals(),
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
