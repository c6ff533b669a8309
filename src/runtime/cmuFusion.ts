import {
  type GraphHypothesis,
  type Lexicon,
  type ParseRescorer,
  type SenoneFrames,
  pronounceAny,
} from '../asr/index.ts';
import type { AcousticTables } from '../asr/acousticTables.ts';
import type { CmuFusionModel } from '../inference/cmuFusionModel.ts';

/** Parses of an utterance the model weighs, the decoder's best first (as scripts/realspeech/dump_fusion.ts). */
const maxCandidates = 8;
/** Frames kept on each side of the candidates' words, and at most in all (scripts/train_fusion_cmu.py). */
const padFrames = 20;
const maxFrames = 800;
/** A frame's CI senone score below its best is clipped here. */
const scoreFloor = -50;
/** Margin to the decoder's best parse, per frame of its words, is clipped here. */
const marginFloor = -5;

/**
 * The fusion model on the CMU path as the recognizer's {@link ParseRescorer}: the final pass's frames (each
 * frame's context-independent senone scores less its best) and each of the best parses (its phones, where its
 * words lie, and the decoder's view of it: statistic, length, margin to the best, rank) in, one logit each
 * out. The logit becomes a statistic on the decoder's scale, `midpoint + (logit - acceptLogit) / ratioScale`,
 * so that the intent stage's confidence, `sigmoid((statistic - midpoint) * ratioScale)`, is the model's
 * `sigmoid(logit - acceptLogit)`, and its accept threshold (0.5) is the model's. With fewer parses than the
 * model's `minParses` it returns the decoder's own statistics.
 */
export function cmuFusionRescorer(
  model: CmuFusionModel,
  tables: AcousticTables,
  lexicon: Lexicon,
  understand: { ratioMidpoint: number; ratioScale: number },
): ParseRescorer {
  const ciSenones = model.phones.flatMap((p) => [...tables.ciSenonesOf(p)]);
  if (ciSenones.length !== model.frameDim)
    throw new TypeError(
      `the fusion model reads ${model.frameDim} scores a frame, the acoustic model has ${ciSenones.length}`,
    );
  const phoneIds = new Map(model.phones.map((p, i) => [p, i + 1]));
  const tokensOf = (words: readonly string[]): number[] => {
    const out = [model.clsToken];
    words.forEach((w, i) => {
      if (i > 0) out.push(model.wordToken);
      for (const p of pronounceAny(w, lexicon).prons[0] ?? [])
        out.push(phoneIds.get(p) ?? model.unknownToken);
    });
    return out;
  };
  return {
    maxCandidates,
    rescore: async (scores: SenoneFrames, parses: readonly GraphHypothesis[]) => {
      // One parse leaves nothing to choose: the decoder's own statistic decides it, unchanged.
      if (parses.length < model.minParses) return parses.map((h) => h.ratio ?? -10);
      const starts = parses.flatMap((h) => (h.speech ? [h.speech.start] : []));
      const ends = parses.flatMap((h) => (h.speech ? [h.speech.end] : []));
      const lo = starts.length ? Math.max(0, Math.min(...starts) - padFrames) : 0;
      let hi = ends.length ? Math.min(scores.frames, Math.max(...ends) + padFrames) : scores.frames;
      hi = Math.min(hi, lo + maxFrames);
      const t = Math.max(1, hi - lo);
      const dim = ciSenones.length;
      const frame = new Float32Array(t * dim);
      for (let f = lo; f < hi; f++) {
        const row = (f - lo) * dim;
        let best = -Infinity;
        for (let k = 0; k < dim; k++) {
          const v = scores.score(f, ciSenones[k] as number);
          frame[row + k] = v;
          if (v > best) best = v;
        }
        for (let k = 0; k < dim; k++)
          frame[row + k] = Math.max((frame[row + k] as number) - best, scoreFloor);
      }
      const b = parses.length;
      const tokens = parses.map((h) => tokensOf(h.words));
      const length = Math.max(...tokens.map((x) => x.length));
      const top = parses[0] as GraphHypothesis;
      const topFrames = Math.max(1, top.speech ? top.speech.end - top.speech.start : 0);
      const batch = {
        batch: b,
        frames: t,
        frameScores: new Float32Array(b * t * dim),
        frameMask: new Float32Array(b * t).fill(0),
        span: new Float32Array(b * t),
        length,
        tokens: new BigInt64Array(b * length),
        tokenMask: new Float32Array(b * length),
        feats: new Float32Array(b * model.features.length),
      };
      parses.forEach((h, i) => {
        batch.frameScores.set(frame, i * t * dim);
        batch.frameMask.fill(1, i * t, i * t + (hi - lo));
        if (h.speech) {
          const from = Math.max(0, h.speech.start - lo);
          const to = Math.min(t, Math.max(0, h.speech.end - lo));
          if (to > from) batch.span.fill(1, i * t + from, i * t + to);
        }
        (tokens[i] as number[]).forEach((tok, j) => {
          batch.tokens[i * length + j] = BigInt(tok);
          batch.tokenMask[i * length + j] = 1;
        });
        const frames = h.speech ? Math.max(0, h.speech.end - h.speech.start) : 0;
        const view: Record<string, number> = {
          statistic: h.ratio ?? -10,
          sqrt_frames: Math.sqrt(frames / 50),
          margin: Math.max(marginFloor, (h.score - top.score) / topFrames),
          is_top: i === 0 ? 1 : 0,
          candidates: b / 8,
        };
        model.features.forEach((name, k) => {
          batch.feats[i * model.features.length + k] = view[name] ?? 0;
        });
      });
      const logits = await model.run(batch);
      return logits.map((l) => understand.ratioMidpoint + (l - model.acceptLogit) / understand.ratioScale);
    },
  };
}
