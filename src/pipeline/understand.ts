import type { OperatorFunction } from 'rxjs';
import { type GraphHypothesis, type RecognitionResult, competitorIntent } from '../asr/index.ts';
import {
  type ContextGraph,
  type PathResult,
  pathToResult,
  replyFor,
  slotVariants,
} from '../context/index.ts';
import type { SessionClock } from '../metrics/index.ts';
import { VoxError } from '../protocol/index.ts';
import { concatMapBounded } from './concatMapBounded.ts';
import { type StreamItem, event } from './items.ts';

/** A candidate's scores: the fusion model's logit (-Infinity if it did not weigh it) and its CTC ratio. */
export interface CandidateScore {
  readonly logit: number;
  /** Per-item CTC Viterbi log-likelihood ratio against the unconstrained best path (≤ 0). */
  readonly ratio: number;
}

/** Scores candidate texts (word sequences) against an utterance's audio (the fusion model). */
export interface CandidateScorer {
  score(result: RecognitionResult, candidates: readonly (readonly string[])[]): Promise<CandidateScore[]>;
}

/** How an utterance becomes an intent, or "not understood". */
export interface UnderstandOptions {
  /**
   * Confidence in [0, 1] below which a command is "not understood". Default 0.8: chosen by
   * scripts/tune-threshold.ts for the CTC ratio alone (no fusion model) on the development set (work/dev:
   * training voices speaking sentences of their own, clean and in held-out noise; none of the evaluation
   * files), where it accepted 99.1 % of commands and 0.3 % of out-of-context speech. With the fusion model the
   * engine uses the threshold tuned with it (models/fusion/fusion.json, `accept_thresholds`).
   */
  acceptThreshold: number;
  /**
   * With a fusion model, which score is the confidence the threshold applies to: the fusion model's
   * (`fusion`), or the CTC ratio of the parse the fusion model chose (`ratio`). Default `ratio`: on held-out
   * voices the fusion model's own confidence rejected more right commands than the ratio did
   * (models/fusion/README.md).
   */
  confidence: 'fusion' | 'ratio';
  /**
   * Per-item likelihood ratio (the recognizer's: the CTC path against the unconstrained best path, or the CMU
   * path's words against the phone loop) that maps to confidence 0.5. Default -0.45, the CTC encoder's; the
   * CMU backend sets its own (`cmuUnderstandDefaults`).
   */
  ratioMidpoint: number;
  /** Steepness of that mapping. Default 10. */
  ratioScale: number;
  /**
   * Complete parses of the first pass (one per intent reached) the fusion model rescores, together with
   * every parse that differs from the best one in one slot's value. Default 4.
   */
  candidates: number;
}

export const defaultUnderstandOptions: UnderstandOptions = {
  acceptThreshold: 0.8,
  confidence: 'ratio',
  ratioMidpoint: -0.45,
  ratioScale: 10,
  candidates: 4,
};

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Decides each recognized utterance: the best complete parse, its confidence, and whether it is understood.
 * Without a scorer the first pass's best parse wins and its CTC likelihood ratio is the confidence; with one
 * (the fusion model) it is a second pass over the first pass's parses and the best one's slot variants.
 * Emits the `intent` event, then a `reply` item (and `reply` event) for understood commands.
 */
export function understand(
  graph: ContextGraph,
  clock: SessionClock,
  scorer: CandidateScorer | null,
  options: Partial<UnderstandOptions> = {},
): OperatorFunction<StreamItem, StreamItem> {
  const o = { ...defaultUnderstandOptions, ...options };
  return concatMapBounded<StreamItem, StreamItem>(
    (item) => (item.kind === 'recognized' ? decide(item) : [item]),
    256,
    () => new VoxError('VX_BACKPRESSURE', 'more than 256 items waiting for intent decisions'),
  );

  async function decide(item: Extract<StreamItem, { kind: 'recognized' }>): Promise<StreamItem[]> {
    const { result, utterance } = item;
    const started = performance.now();
    const first: GraphHypothesis | undefined = result.hypotheses[0];
    let parsed: PathResult | null = first ? pathToResult(graph, first.arcs) : null;
    let confidence = 0;
    if (first && parsed) {
      const ratio = first.ratio ?? (first.score - result.unconstrainedScore) / Math.max(1, result.frames);
      confidence = sigmoid((ratio - o.ratioMidpoint) * o.ratioScale);
      if (scorer) {
        const parses = [
          parsed,
          ...result.hypotheses.slice(1, o.candidates).map((h) => pathToResult(graph, h.arcs)),
          ...slotVariants(graph, parsed),
        ];
        const scores = await scorer.score(
          result,
          parses.map((p) => p.words),
        );
        let top = 0;
        scores.forEach((s, i) => {
          if (s.logit > (scores[top] as CandidateScore).logit) top = i;
        });
        const chosen = scores[top] as CandidateScore;
        parsed = parses[top] ?? parsed;
        confidence =
          o.confidence === 'fusion'
            ? sigmoid(chosen.logit)
            : sigmoid((chosen.ratio - o.ratioMidpoint) * o.ratioScale);
      }
    }
    const fusionMs = performance.now() - started;
    // A common word said instead of a command (src/asr/competitors.ts) is not understood, however sure.
    const understood =
      !!parsed?.intent && parsed.intent !== competitorIntent && confidence >= o.acceptThreshold;
    const speechEndWall = clock.wallAt(item.speechEndMs);
    clock.mark(utterance, 'intent', performance.now() - speechEndWall);
    clock.mark(utterance, 'asr', result.asrMaxMs);
    clock.mark(utterance, 'asrTotal', result.asrMs);
    clock.mark(utterance, 'decode', result.decodeMs);
    // only a second pass has a fusion stage to report (the page and /metrics show what is there)
    if (scorer) clock.mark(utterance, 'fusion', fusionMs);
    const out: StreamItem[] = [
      event({
        type: 'intent',
        utterance,
        understood,
        intent: understood ? (parsed?.intent ?? null) : null,
        slots: understood ? (parsed?.slots ?? {}) : {},
        confidence: Math.round(confidence * 1000) / 1000,
        transcript: (parsed?.words ?? result.partial?.words ?? []).join(' '),
      }),
    ];
    if (understood && parsed?.intent) {
      const text = replyFor(graph.spec.replies, { intent: parsed.intent, slots: parsed.slots });
      out.push(event({ type: 'reply', utterance, text }), {
        kind: 'reply',
        utterance,
        text,
        speechEndWall,
        speechEndMs: item.speechEndMs,
      });
    } else {
      out.push({ kind: 'reply', utterance, text: '', speechEndWall, speechEndMs: item.speechEndMs });
    }
    return out;
  }
}
