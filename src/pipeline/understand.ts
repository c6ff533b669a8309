import type { OperatorFunction } from 'rxjs';
import type { GraphHypothesis, RecognitionResult } from '../asr/index.ts';
import { type ContextGraph, pathToResult, replyFor } from '../context/index.ts';
import type { SessionClock } from '../metrics/index.ts';
import { VoxError } from '../protocol/index.ts';
import { concatMapBounded } from './concatMapBounded.ts';
import { type Frame, event } from './frames.ts';

/** Scores candidate parses against the audio (the fusion model); higher is better, in logits. */
export interface CandidateScorer {
  score(result: RecognitionResult, candidates: readonly GraphHypothesis[]): Promise<number[]>;
}

/** How an utterance becomes an intent, or "not understood". */
export interface UnderstandOptions {
  /**
   * Confidence in [0, 1] below which a command is "not understood". Default 0.67: chosen by
   * scripts/tune-threshold.ts on the development set (work/dev: training voices speaking sentences of
   * their own, clean and in held-out noise; none of the evaluation files), where it accepted 99.1 % of
   * commands and 0.6 % of out-of-context speech.
   */
  acceptThreshold: number;
  /** Per-frame CTC likelihood ratio that maps to confidence 0.5 when no fusion model is loaded. Default -0.45. */
  ratioMidpoint: number;
  /** Steepness of that mapping. Default 10. */
  ratioScale: number;
  /** Complete parses the fusion model rescores. Default 4. */
  candidates: number;
}

export const defaultUnderstandOptions: UnderstandOptions = {
  acceptThreshold: 0.67,
  ratioMidpoint: -0.45,
  ratioScale: 10,
  candidates: 4,
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Decides each recognized utterance: the best complete parse (rescored by the fusion model when one is
 * given), its confidence, and whether it is understood. Emits the `intent` event, then a `reply` frame
 * (and `reply` event) for understood commands.
 */
export function understand(
  graph: ContextGraph,
  clock: SessionClock,
  scorer: CandidateScorer | null,
  options: Partial<UnderstandOptions> = {},
): OperatorFunction<Frame, Frame> {
  const o = { ...defaultUnderstandOptions, ...options };
  return concatMapBounded<Frame, Frame>(
    (frame) => (frame.kind === 'recognized' ? decide(frame) : [frame]),
    256,
    () => new VoxError('VX_BACKPRESSURE', 'more than 256 frames waiting for intent decisions'),
  );

  async function decide(frame: Extract<Frame, { kind: 'recognized' }>): Promise<Frame[]> {
    const { result, utterance } = frame;
    const started = performance.now();
    const candidates = result.hypotheses.slice(0, o.candidates);
    let best: GraphHypothesis | undefined = candidates[0];
    let confidence = 0;
    if (best) {
      const ratio = (best.score - result.unconstrainedScore) / Math.max(1, result.frames);
      confidence = sigmoid((ratio - o.ratioMidpoint) * o.ratioScale);
      if (scorer) {
        const logits = await scorer.score(result, candidates);
        let top = 0;
        logits.forEach((l, i) => {
          if (l > (logits[top] as number)) top = i;
        });
        best = candidates[top];
        confidence = sigmoid(logits[top] as number);
      }
    }
    const fusionMs = performance.now() - started;
    const parsed = best ? pathToResult(graph, best.arcs) : null;
    const understood = !!parsed?.intent && confidence >= o.acceptThreshold;
    const speechEndWall = clock.wallAt(frame.speechEndMs);
    clock.mark(utterance, 'intent', performance.now() - speechEndWall);
    clock.mark(utterance, 'asr', result.asrMaxMs);
    clock.mark(utterance, 'asrTotal', result.asrMs);
    clock.mark(utterance, 'decode', result.decodeMs);
    clock.mark(utterance, 'fusion', fusionMs);
    const out: Frame[] = [
      event({
        type: 'intent',
        utterance,
        understood,
        intent: understood ? (parsed?.intent ?? null) : null,
        slots: understood ? (parsed?.slots ?? {}) : {},
        confidence: Math.round(confidence * 1000) / 1000,
      }),
    ];
    if (understood && parsed?.intent) {
      const text = replyFor(graph.spec.replies, { intent: parsed.intent, slots: parsed.slots });
      out.push(event({ type: 'reply', utterance, text }), {
        kind: 'reply',
        utterance,
        text,
        speechEndWall,
        speechEndMs: frame.speechEndMs,
      });
    } else {
      out.push({ kind: 'reply', utterance, text: '', speechEndWall, speechEndMs: frame.speechEndMs });
    }
    return out;
  }
}
