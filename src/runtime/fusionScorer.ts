import { type Lexicon, ctcViterbiScore, pronounceAny } from '../asr/index.ts';
import type { Batcher } from '../inference/batcher.ts';
import type { FusionModel, FusionRequest } from '../inference/fusionModel.ts';
import type { CandidateScorer } from '../pipeline/index.ts';

/** Candidates of one utterance the fusion model weighs (the best by CTC ratio); bounds its cost. */
const maxFusionCandidates = 12;

/**
 * The audio–text fusion model as the intent stage uses it: each candidate's CTC Viterbi ratio, and for the
 * best few the fusion model's logit, run through the shared `batcher`. `tokens` are the acoustic model's
 * output tokens (phones), in order.
 */
export function fusionScorer(
  model: FusionModel,
  batcher: Batcher<FusionRequest, number>,
  tokens: readonly string[],
  lexicon: Lexicon,
): CandidateScorer {
  const tokenIds = new Map(tokens.map((t, i) => [t, i]));
  const phoneIds = (word: string) =>
    (pronounceAny(word, lexicon).prons[0] ?? []).map((p) => tokenIds.get(p) ?? 0);
  return {
    score: async (result, candidates) => {
      // No audio frames: nothing to attend to; such an utterance cannot be a command.
      if (result.frames === 0) return candidates.map(() => ({ logit: -10, ratio: -Infinity }));
      // Every candidate is scored as training scored them: the CTC Viterbi ratio of its words' first
      // pronunciations. The fusion model weighs the best few; the rest are out of the running.
      const scored = candidates.map((words, index) => {
        const phones = words.map(phoneIds);
        const score = ctcViterbiScore(result.logProbs, result.frames, result.tokens, phones.flat());
        return { index, phones, ratio: (score - result.unconstrainedScore) / result.frames };
      });
      const weighed = [...scored].sort((a, b) => b.ratio - a.ratio).slice(0, maxFusionCandidates);
      const logits = await Promise.all(
        weighed.map((c) =>
          batcher.submit({
            hidden: result.hidden,
            frames: result.frames,
            tokens: model.tokenize(c.phones),
            ratio: c.ratio,
          }),
        ),
      );
      const out = scored.map((c) => ({ logit: -Infinity, ratio: c.ratio }));
      weighed.forEach((c, i) => {
        out[c.index] = { logit: logits[i] as number, ratio: c.ratio };
      });
      return out;
    },
  };
}
