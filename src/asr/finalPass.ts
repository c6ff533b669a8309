/**
 * The parts of a final pass over a whole utterance that need no recognizer state: what a pass is and what it
 * decodes to, decoding the utterance again on a search, and the batch CMN of its features. The recognizer
 * that decides which pass an utterance needs, starts it ahead and adopts it is ./senoneRecognizer.ts.
 */
import { type CmnPrior, voicedCepstralMean } from '../audio/index.ts';
import type { GraphHypothesis } from './graphDecoder.ts';
import type { HmmDecoder } from './hmmDecoder.ts';
import type { PhoneLoop } from './phoneLoop.ts';
import type { SenoneFrames, SenoneModel } from './senoneFrames.ts';

/** Cepstra a frame in the side data; the first 13 of the 39 features are those, normalised. */
export const cepstraPerFrame = 13;
/** Frames the shared model takes at most in one request. */
const chunkFrames = 16;
/** Chunks a final pass decodes between turns of the event loop (4: 640 ms of audio). */
const yieldEveryChunks = 4;

/** A grammar search and its phone loop over the same frames: the live pass's, or a final pass's. */
export interface Search {
  readonly decoder: HmmDecoder;
  readonly loop: PhoneLoop;
}

/** Which final pass an utterance needs: its denoised audio, or batch CMN. */
export type PassKind = 'denoised' | 'batchCmn';

/** A final pass decoded: what it replaces when adopted. */
export interface PassOutcome {
  readonly kind: PassKind;
  /** Whether it was decoded on the spare search (a pass started ahead), rather than on the live one. */
  readonly onSpare: boolean;
  /** The cepstra the result's frames refer to (the denoised pass's own); null: the live ones. */
  readonly sides: Float32Array[] | null;
  /** A batch-CMN pass's mean (13 cepstra); null for the denoised pass. */
  readonly mean: Float64Array | null;
  /** The utterance's feature chunks it decoded (the first this many). */
  readonly chunks: number;
  /** The senone scores it decoded, to align the result's phones with. */
  readonly scored: readonly SenoneFrames[];
  readonly asrMs: number;
  readonly decodeMs: number;
}

/** A final pass started ahead of the utterance's end (`SenoneRecognizer.finishAhead`). */
export interface AheadPass {
  readonly kind: PassKind;
  readonly done: Promise<PassOutcome | null>;
  /** Set when it is no longer wanted: it stops at its next step. */
  readonly state: { dropped: boolean };
}

/**
 * The confidence statistic of a search's best complete parse after a pass: its words' per-frame likelihood
 * ratio against the search's phone loop over the same frames, above `floor`, scaled by the square root of its
 * length over `refFrames` (./ratioStatistic.ts `RatioStatistic`, without the noise allowance or the worst
 * phone); -Infinity without a complete parse with words.
 */
export function bestStatistic(search: Search, floor: number, refFrames: number): number {
  const r = spanRatio(search.loop, search.decoder.finals()[0]);
  return r ? (r.ratio - floor) * Math.sqrt(r.frames / refFrames) : -Infinity;
}

/**
 * Log-likelihood ratio per 10 ms frame of a path against `loop` over the frames of its words (the silence
 * around them, which both model alike, would only dilute it; 0 = as likely, above 0 = likelier), and how many
 * frames that is. Null for no path or a path without words.
 */
export function spanRatio(
  loop: PhoneLoop,
  h: GraphHypothesis | undefined,
): { ratio: number; frames: number } | null {
  const span = h?.speech;
  if (!span || span.end <= span.start) return null;
  const frames = span.end - span.start;
  return { ratio: (span.score - (loop.scoreAt(span.end) - loop.scoreAt(span.start))) / frames, frames };
}

/**
 * Decodes a whole utterance again on `search` from these features ([frames, dim]): the chunks go to the shared
 * model together, so they share its runs, then the search takes them in order, giving the event loop back
 * every few chunks. `fresh`: the search starts over (else it goes on from where it was: a pass carried on).
 * Null when `dropped()` turns true on the way.
 */
export async function decodeAgain(
  model: SenoneModel,
  search: Search,
  feats: Float32Array,
  frames: number,
  dropped: () => boolean,
  fresh: boolean,
): Promise<{ asrMs: number; decodeMs: number; scored: SenoneFrames[] } | null> {
  const dim = model.dim;
  const t0 = performance.now();
  const chunks: Promise<SenoneFrames>[] = [];
  for (let at = 0; at < frames; at += chunkFrames) {
    const n = Math.min(chunkFrames, frames - at);
    chunks.push(model.run(feats.subarray(at * dim, (at + n) * dim), n, true));
  }
  const scored = await Promise.all(chunks);
  if (dropped()) return null;
  const asrMs = performance.now() - t0;
  let decodeMs = 0;
  if (fresh) {
    search.decoder.reset();
    search.loop.reset();
  }
  for (let i = 0; i < scored.length; i++) {
    // A long sentence's search takes a few hundred ms: it gives the event loop back every few chunks, so
    // that the live pass (this session's and the others') goes on beside it, and it stops once dropped.
    if (i > 0 && i % yieldEveryChunks === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (dropped()) return null;
    }
    const t1 = performance.now();
    search.decoder.advance(scored[i] as SenoneFrames);
    search.loop.advance(scored[i] as SenoneFrames);
    decodeMs += performance.now() - t1;
  }
  return { asrMs, decodeMs, scored };
}

/**
 * A batch-CMN pass started ahead, carried on over the utterance's chunks that came after it (`feats` and
 * `sides` are all of the utterance's chunks so far): their cepstra normalised by the mean the pass started
 * with (the utterance's voiced frames up to the pause) and decoded on the same search, the spare one. So the
 * end only waits for those few frames, and the result has seen every frame of the utterance, as the pass at
 * the end does; only the mean differs, by the pause's frames that it leaves out. Returns the outcome with the
 * chunks added; as it is where there is nothing to add.
 */
export async function carryOn(
  model: SenoneModel,
  spare: () => Search,
  outcome: PassOutcome,
  feats: readonly Float32Array[],
  sides: readonly Float32Array[],
): Promise<PassOutcome | null> {
  if (outcome.kind !== 'batchCmn' || !outcome.onSpare || outcome.mean === null) return outcome;
  if (outcome.chunks >= feats.length) return outcome;
  const tail = batchCmn(
    joinChunks(feats.slice(outcome.chunks)),
    joinChunks(sides.slice(outcome.chunks)),
    model.dim,
    null,
    outcome.mean,
  );
  if (!tail) return outcome;
  const timing = await decodeAgain(model, spare(), tail.feats, tail.frames, () => false, false);
  if (!timing) return null;
  return {
    ...outcome,
    chunks: feats.length,
    asrMs: outcome.asrMs + timing.asrMs,
    decodeMs: outcome.decodeMs + timing.decodeMs,
    scored: [...outcome.scored, ...timing.scored],
  };
}

/**
 * The features with their static cepstra normalised over the whole utterance: by the mean of the cepstra
 * (`sides`, [frames, 13]) over the voiced frames (c0 ≥ 0, as Sphinx's batch CMN) leaning on `prior` where
 * given, or by `mean` where given (a pass carried on with the mean it started with); the deltas as they were
 * (a constant offset cancels in them). Null without a mean to take. Writes into `feats`.
 */
export function batchCmn(
  feats: Float32Array,
  sides: Float32Array,
  dim: number,
  prior: CmnPrior | null,
  given?: Float64Array,
): { feats: Float32Array; frames: number; sides: null; mean: Float64Array } | null {
  const frames = feats.length / dim;
  const mean = given ?? voicedCepstralMean(sides, prior);
  if (mean === null) return null;
  for (let t = 0; t < frames; t++)
    for (let k = 0; k < cepstraPerFrame; k++)
      feats[t * dim + k] = (sides[t * cepstraPerFrame + k] as number) - (mean[k] as number);
  return { feats, frames, sides: null, mean };
}

/** Whether cepstra ([frames, 13]) hold a frame that live CMN counts (c0 ≥ 0). */
export function hasVoicedFrame(sides: Float32Array): boolean {
  for (let k = 0; k < sides.length; k += cepstraPerFrame) if ((sides[k] as number) >= 0) return true;
  return false;
}

/** The chunks one after another in one new array. */
export function joinChunks(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
