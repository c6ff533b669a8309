import type { GraphHypothesis } from './graphDecoder.ts';
import { HmmDecoder, type HmmDecoderOptions } from './hmmDecoder.ts';
import type { HmmGraph } from './hmmGraph.ts';
import { type LoopPhone, PhoneLoop, type PhoneLoopOptions } from './phoneLoop.ts';
import type { ParseRescorer } from './parseRescorer.ts';
import type { RecognitionResult, UtteranceRecognizer } from './recognizer.ts';
import type { SenoneFrames, SenoneModel } from './senoneFrames.ts';
import type { CmnPrior } from '../audio/index.ts';
import {
  type AheadPass,
  type PassKind,
  type PassOutcome,
  type Search,
  batchCmn,
  bestStatistic,
  carryOn,
  cepstraPerFrame as cepstra,
  decodeAgain,
  hasVoicedFrame,
  joinChunks,
  spanRatio,
} from './finalPass.ts';
import { type NoisyTake, NoisyUtterance, type NoisyUtterancePass } from './noisyUtterance.ts';
import { alignPhones, joinSenoneFrames } from './phoneAlign.ts';
import {
  type AlignedPhone,
  type RatioStatistic,
  defaultRatioStatistic,
  noiseAllowance,
  worstPhoneTerm,
} from './ratioStatistic.ts';
import { speechLevelDb } from './speechLevel.ts';

/** Settings of {@link SenoneRecognizer}. */
export interface SenoneRecognizerOptions {
  decoder: Partial<HmmDecoderOptions>;
  loop: Partial<PhoneLoopOptions>;
  statistic: Partial<RatioStatistic>;
  /**
   * At the utterance's end, decode it again with its cepstra normalised over the whole utterance (batch CMN,
   * as pocketsphinx_batch does) instead of the live running mean, which for a session's first utterance is
   * still the model's initial mean: on 8 kHz recordings (FSDD) that took digit accuracy from 22 % to 77 % in
   * a whole-file check. Needs the cepstra as side data (13 a frame). Default true.
   */
  secondPass: boolean;
  /**
   * The mean the second pass's batch CMN leans on ({@link CmnPrior}); null: the utterance's own mean alone, as
   * pocketsphinx_batch (default here; the runtime's is in src/runtime/cmuBackend.ts).
   */
  cmnPrior: CmnPrior | null;
  /** The noisy-utterance pass ({@link NoisyUtterancePass}), which replaces the second pass where it applies; null: none (default). */
  noisyPass: NoisyUtterancePass | null;
  /**
   * The confidence statistic ({@link SenoneRecognizer.ratio} plus the noise allowance) at or above which the
   * first pass's result stands and the second pass is skipped: its best parse is complete, the best path of
   * all, and this sure. Only where the noisy-utterance pass does not apply (in noise the live pass's confidence
   * is worth less and the denoised pass always runs), and never in a session's first utterance with voiced
   * frames: until one has ended, the front end's live mean is still the model's initial one, not this
   * session's channel, and that is what the second pass corrects (a recording of the tests,
   * `cards-001.wav`, came out "five ten of clubs" from it, "ten of clubs" after the pass). This assumes the
   * front end keeps its live mean across utterances (SphinxFeaturesOptions.keepCmnAcrossUtterances, default).
   * On long sentences the second pass is a whole new search (2 ms a frame on speechocean762's 2,011-sentence
   * grammar), so this is what a confident answer would wait for. null: the second pass always runs (default
   * here; the runtime's default, 1.5, is in src/runtime/cmuBackend.ts).
   */
  firstPassStands: number | null;
  /**
   * A second opinion on the complete parses after a final pass ({@link ParseRescorer}: the fusion model on
   * the CMU path); the result then answers with the parse it rates best, at its statistic. Where no final pass
   * ran (the first pass stood) the decoder's statistic decides. null: none (default).
   */
  rescorer: ParseRescorer | null;
}

/**
 * Frames of words the live pass's best path needs before its level counts as evidence that the utterance is
 * noisy, and the denoiser starts learning the noise ahead of the end ({@link SenoneRecognizer.learnAhead}).
 */
const learnAfterFrames = 16;

/**
 * Streaming recognition of one utterance against a context with the CMU triphone model: feature chunks in,
 * senone scores from the shared scorer, a Viterbi search of the context's HMM graph and, beside it, of a free
 * phone loop (the background model that confidence is measured against). One per session.
 */
export class SenoneRecognizer implements UtteranceRecognizer {
  /** The live pass's search; after a final pass, that pass's (the two swap). */
  private decoder: HmmDecoder;
  private loop: PhoneLoop;
  /**
   * Align the final parse's phones ({@link phones}) even where the statistic does not weigh them
   * ({@link RatioStatistic.worstPhoneWeight} 0): evidence for scripts/realspeech/tune.ts. Default false.
   */
  phoneEvidence = false;
  /**
   * Called with the senone scores a final pass decoded, once that pass is adopted: training data for a model
   * that reads the frames (scripts/realspeech/dump_fusion.ts). Default none.
   */
  onFinalScores: ((scores: SenoneFrames) => void) | null = null;
  /** The final pass's best parse (its words) and its phones aligned to the pass's frames; null: none. */
  private aligned: { words: string; phones: AlignedPhone[] } | null = null;
  /** The rescorer's statistics of the final parses, by their words; null: not rescored. */
  private rescored: Map<string, number> | null = null;
  /** The search a final pass decodes on, made when first needed. */
  private spare: Search | null = null;
  /** Settles when the last final pass on {@link spare} has ended: passes take it one at a time. */
  private spareFree: Promise<unknown> = Promise.resolve();
  private ahead: AheadPass | null = null;
  private readonly secondPass: boolean;
  private readonly statistic: RatioStatistic;
  private readonly firstPassStands: number | null;
  /**
   * Whether an utterance with voiced frames (c0 ≥ 0, those live CMN counts) has ended in this session, so
   * that the live mean is this session's own ({@link SenoneRecognizerOptions.firstPassStands}).
   */
  private heard = false;
  /** The utterance's features and side data so far, for the second pass. */
  private feats: Float32Array[] = [];
  private sides: Float32Array[] = [];
  /** The utterance's audio and the denoiser learning its noise, for the noisy-utterance pass; null: no such pass. */
  private readonly noisy: NoisyUtterance | null;
  /** Whether the utterance's result came from denoised audio. */
  private denoisedPass = false;
  private asrMs = 0;
  private asrMaxMs = 0;
  private decodeMs = 0;

  constructor(
    private readonly model: SenoneModel,
    readonly graph: HmmGraph,
    private readonly loopPhones: readonly LoopPhone[],
    private readonly options: Partial<SenoneRecognizerOptions> = {},
  ) {
    this.decoder = new HmmDecoder(graph, options.decoder);
    this.loop = new PhoneLoop(loopPhones, options.loop);
    this.secondPass = options.secondPass ?? true;
    this.statistic = { ...defaultRatioStatistic, ...options.statistic };
    this.noisy = options.noisyPass ? new NoisyUtterance(options.noisyPass) : null;
    this.firstPassStands = options.firstPassStands ?? null;
  }

  reset(): void {
    this.dropAhead();
    this.noisy?.reset();
    this.decoder.reset();
    this.loop.reset();
    this.aligned = null;
    this.rescored = null;
    this.feats = [];
    this.sides = [];
    this.denoisedPass = false;
    this.asrMs = this.asrMaxMs = this.decodeMs = 0;
  }

  /**
   * Feeds one chunk of features ([frames, dim]), their cepstra ([frames, 13]) and the audio taken in since the
   * chunk before; resolves once decoded.
   */
  async push(feats: Float32Array, frames: number, side?: Float32Array, pcm?: Float32Array): Promise<void> {
    // The audio is kept even for a chunk without frames: it belongs to the utterance all the same. Not copied:
    // the feature stage hands each chunk a new array of its own (extractFeatures).
    if (this.noisy && pcm && pcm.length > 0) this.noisy.push(pcm);
    if (frames <= 0) return;
    if (this.secondPass && side && side.length === frames * cepstra) {
      this.feats.push(feats.subarray(0, frames * this.model.dim));
      this.sides.push(side);
    }
    await this.decode(feats, frames);
    this.learnAhead();
  }

  /**
   * Starts the noisy-utterance pass's denoiser learning the noise ahead of the end ({@link
   * NoisyUtterance.learnAhead}) once the live pass's best path has words ({@link learnAfterFrames}): the level
   * they stand at says whether the pass will probably be needed.
   */
  private learnAhead(): void {
    const noisy = this.noisy;
    if (!noisy || noisy.learningAhead || !noisy.hasAudio || !this.secondPass) return;
    const best = this.decoder.partial();
    const span = best?.speech;
    if (!best || !span || span.end - span.start < learnAfterFrames) return;
    noisy.learnAhead(this.level(best));
  }

  /** Whether the last utterance's result came from its denoised audio (the noisy-utterance pass). */
  get denoised(): boolean {
    return this.denoisedPass;
  }

  /**
   * The final pass over the whole utterance, where it needs one: decoded again from its denoised audio where
   * the noisy-utterance pass applies; else nothing where the first pass is sure ({@link
   * SenoneRecognizerOptions.firstPassStands}); else the second pass (see {@link
   * SenoneRecognizerOptions.secondPass}): the utterance's static cepstra normalised by their mean over its
   * voiced frames (c0 ≥ 0, as Sphinx's batch CMN), the deltas as they were (a constant offset cancels in
   * them), decoded again from the start. The chunks go to the shared model together, so they share its runs.
   * A batch-CMN pass started ahead ({@link finishAhead}), not dropped since, is carried on over the chunks
   * that came after it ({@link carryOn}) where batch CMN is still the pass needed, so the end only waits for
   * those ({@link carryOn}); its mean leaves out those chunks, the pause that ended the utterance, so it is not
   * always the same result as the pass at the end (`RecognizeOptions.aheadSilenceMs`;
   * docs/real-speech/first-pass-stands/).
   */
  async finish(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    const kind = this.passNeeded();
    this.heard ||= this.sides.some(hasVoicedFrame);
    if (ahead && ahead.kind !== kind) ahead.state.dropped = true;
    if (kind !== 'denoised') this.noisy?.stop();
    if (kind === null) return;
    let outcome: PassOutcome | null = null;
    try {
      outcome = ahead && !ahead.state.dropped ? await ahead.done : null;
      if (outcome)
        outcome = await carryOn(this.model, () => this.spareSearch(), outcome, this.feats, this.sides);
    } catch {
      // Run again below.
      outcome = null;
    }
    // At the end the live search is free: decoded on it, a session needs no spare (a long grammar's search is
    // megabytes) unless it starts passes ahead.
    outcome ??=
      kind === 'denoised' && this.noisy?.pass.chooseSurer
        ? await this.surerPass()
        : await this.startPass(kind, () => false, false);
    if (!outcome) return;
    this.adopt(outcome);
    await this.rescore(outcome.scored);
  }

  /**
   * Both final passes of an utterance the gate sent to the denoised pass ({@link NoisyUtterancePass.chooseSurer}),
   * at once: the denoised one on the spare search, batch CMN on the live one; the one whose best complete
   * parse has the higher statistic ({@link bestStatistic}) is the outcome (the other's time counts all the
   * same). Either alone where the other decoded nothing.
   */
  private async surerPass(): Promise<PassOutcome | null> {
    const [denoised, plain] = await Promise.all([
      this.startPass('denoised', () => false, true),
      this.startPass('batchCmn', () => false, false),
    ]);
    if (!denoised || !plain) return denoised ?? plain;
    const { refFrames } = this.statistic;
    const live = { decoder: this.decoder, loop: this.loop };
    const surer =
      bestStatistic(live, this.finalFloor, refFrames) >
      bestStatistic(this.spareSearch(), this.finalFloor, refFrames)
        ? plain
        : denoised;
    const other = surer === plain ? denoised : plain;
    this.asrMs += other.asrMs;
    this.decodeMs += other.decodeMs;
    return surer;
  }

  /** Asks the rescorer ({@link SenoneRecognizerOptions.rescorer}) about the final pass's parses. */
  private async rescore(scored: readonly SenoneFrames[]): Promise<void> {
    const rescorer = this.options.rescorer;
    if (!rescorer) return;
    const parses = this.decoder
      .finals()
      .slice(0, rescorer.maxCandidates)
      .map((h) => ({ ...h, ratio: this.finalRatio(h) }));
    if (parses.length === 0) return;
    const t0 = performance.now();
    const stats = await rescorer.rescore(joinSenoneFrames(scored), parses);
    this.asrMs += performance.now() - t0;
    this.rescored = new Map(parses.map((h, i) => [h.words.join(' '), stats[i] as number]));
  }

  /**
   * Starts the batch-CMN pass {@link finish} would run now, on a search of its own, while the live pass goes
   * on (the utterance's end is near: its words are followed by a pause); {@link finish} carries it on over the
   * rest of the utterance, and {@link dropAhead} forgets it when speech goes on. Nothing where another pass or
   * none is needed, or one is already under way.
   */
  finishAhead(): void {
    if (this.ahead) return;
    const kind = this.passNeeded();
    // Only the batch-CMN pass can be carried on over the frames after it ({@link carryOn}); the denoised pass
    // would need RNNoise carried on over the rest of the audio, so it waits for the end.
    if (kind !== 'batchCmn') return;
    const state = { dropped: false };
    const done = this.startPass(kind, () => state.dropped, true);
    // A pass dropped or failed ahead is only wasted work; finish() runs its own.
    done.catch(() => {});
    this.ahead = { kind, done, state };
  }

  /** Forgets a pass started ahead ({@link finishAhead}): the speaker went on. */
  dropAhead(): void {
    if (this.ahead) this.ahead.state.dropped = true;
    this.ahead = null;
  }

  /** The final pass the utterance needs as it stands now, or null. */
  private passNeeded(): PassKind | null {
    const dim = this.model.dim;
    const frames = this.feats.reduce((n, f) => n + f.length / dim, 0);
    if (!this.secondPass || frames === 0 || this.sides.length !== this.feats.length) return null;
    if (this.noisy?.hasAudio) {
      const best = this.decoder.finals()[0] ?? this.decoder.partial();
      const level = best ? this.level(best) : null;
      if (level !== null && level < this.noisy.pass.gateDb) return 'denoised';
    }
    return this.firstPassIsSure() ? null : 'batchCmn';
  }

  /** Whether the first pass's result stands as it is ({@link SenoneRecognizerOptions.firstPassStands}). */
  private firstPassIsSure(): boolean {
    if (this.firstPassStands === null || !this.heard) return false;
    const best = this.decoder.finals()[0];
    const partial = this.decoder.partial();
    if (!best || !partial || best.score < partial.score - 1e-6) return false;
    return this.ratio(best) + this.noiseAllowance(best) >= this.firstPassStands;
  }

  /**
   * Runs a final pass over the utterance as it is now, on the spare search (after any pass still on it) or on
   * the live one; resolves with what it decoded, or null where there was nothing to decode or it was dropped.
   */
  private startPass(kind: PassKind, dropped: () => boolean, onSpare: boolean): Promise<PassOutcome | null> {
    // The utterance so far, taken now: the live pass goes on appending.
    const feats = [...this.feats];
    const sides = [...this.sides];
    // The audio so far and the denoiser that has learnt its noise, if any, are this pass's.
    const noisy = kind === 'denoised' ? (this.noisy as NoisyUtterance).take() : null;
    const after = onSpare ? this.spareFree : Promise.resolve();
    const run = after.then(async (): Promise<PassOutcome | null> => {
      if (dropped()) {
        noisy?.denoiser.release();
        return null;
      }
      const pass: {
        feats: Float32Array;
        frames: number;
        sides: Float32Array[] | null;
        mean: Float64Array | null;
      } | null =
        kind === 'denoised'
          ? await denoisedFeatures(noisy as NoisyTake)
          : batchCmn(joinChunks(feats), joinChunks(sides), this.model.dim, this.options.cmnPrior ?? null);
      if (!pass || dropped()) return null;
      const search = onSpare ? this.spareSearch() : { decoder: this.decoder, loop: this.loop };
      const timing = await decodeAgain(this.model, search, pass.feats, pass.frames, dropped, true);
      return timing && { kind, onSpare, sides: pass.sides, mean: pass.mean, chunks: feats.length, ...timing };
    });
    if (onSpare) this.spareFree = run.catch(() => {});
    return run;
  }

  private spareSearch(): Search {
    this.spare ??= {
      decoder: new HmmDecoder(this.graph, this.options.decoder),
      loop: new PhoneLoop(this.loopPhones, this.options.loop),
    };
    return this.spare;
  }

  /** Makes a final pass's search the result: one decoded on the spare swaps with the live one. */
  private adopt(outcome: PassOutcome): void {
    if (outcome.onSpare) {
      const pass = this.spareSearch();
      this.spare = { decoder: this.decoder, loop: this.loop };
      this.decoder = pass.decoder;
      this.loop = pass.loop;
    }
    // The level and spans of the result now refer to the pass's frames.
    if (outcome.sides) this.sides = outcome.sides;
    this.denoisedPass = outcome.kind === 'denoised';
    this.asrMs += outcome.asrMs;
    this.decodeMs += outcome.decodeMs;
    if (this.phoneEvidence || this.statistic.worstPhoneWeight !== 0)
      this.aligned = this.alignBest(outcome.scored);
    this.onFinalScores?.(joinSenoneFrames(outcome.scored));
  }

  /** The best complete parse's phones aligned to a final pass's scores ({@link alignPhones}); null: none. */
  private alignBest(scored: readonly SenoneFrames[]): { words: string; phones: AlignedPhone[] } | null {
    const best = this.decoder.finals()[0];
    const segments = best ? alignPhones(this.graph, joinSenoneFrames(scored), best) : null;
    if (!best || !segments || segments.length === 0) return null;
    const phones = segments.map((s) => {
      const frames = s.end - s.start;
      const loop = this.loop.scoreAt(s.end) - this.loop.scoreAt(s.start);
      return { hmm: s.hmm, frames, ratio: (s.score - loop) / frames, score: s.score / frames };
    });
    return { words: best.words.join(' '), phones };
  }

  private async decode(feats: Float32Array, frames: number): Promise<void> {
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
   * silence around them, which both model alike, would only dilute it; 0 = as likely, above 0 = likelier),
   * and how many frames that is. Null for a path without words.
   */
  frameRatio(h: GraphHypothesis): { ratio: number; frames: number } | null {
    return spanRatio(this.loop, h);
  }

  /**
   * The phones of the utterance's best final parse, aligned again to the final pass's frames after it
   * ({@link alignPhones}), where `h` has that parse's words; null for other parses, where no final pass ran
   * (the first pass stood), or where nothing asked for them ({@link phoneEvidence}, `worstPhoneWeight`).
   */
  phones(h: GraphHypothesis): readonly AlignedPhone[] | null {
    return this.aligned && this.aligned.words === h.words.join(' ') ? this.aligned.phones : null;
  }

  private get finalFloor(): number {
    return this.statistic.finalFloor ?? this.statistic.floor;
  }

  /**
   * The statistic of a final parse: as {@link ratio} above {@link RatioStatistic.finalFloor}, plus the noise
   * allowance and the worst-phone term.
   */
  private finalRatio(h: GraphHypothesis): number {
    const r = this.frameRatio(h);
    const base = r ? (r.ratio - this.finalFloor) * Math.sqrt(r.frames / this.statistic.refFrames) : -10;
    return base + this.noiseAllowance(h) + worstPhoneTerm(this.phones(h), this.statistic, this.finalFloor);
  }

  /**
   * The confidence statistic of a path: its {@link frameRatio} above the floor, scaled by its length (see
   * {@link RatioStatistic}). A path without words gets -10.
   */
  ratio(h: GraphHypothesis): number {
    const r = this.frameRatio(h);
    if (!r) return -10;
    const { floor, refFrames } = this.statistic;
    return (r.ratio - floor) * Math.sqrt(r.frames / refFrames);
  }

  /**
   * How far the words of a path stand above the sound around them in this utterance, dB ({@link
   * speechLevelDb}); null without the utterance's cepstra or a path without words.
   */
  level(h: GraphHypothesis): number | null {
    const span = h.speech;
    if (!span || span.end <= span.start || this.sides.length === 0) return null;
    const c0 = new Float32Array(this.sides.reduce((n, s) => n + s.length / cepstra, 0));
    let t = 0;
    for (const s of this.sides) for (let k = 0; k < s.length; k += cepstra) c0[t++] = s[k] as number;
    return speechLevelDb(c0, span.start, span.end);
  }

  /** The noise allowance of a final path ({@link noiseAllowance}); its level is only measured when it is on. */
  noiseAllowance(h: GraphHypothesis): number {
    return this.statistic.noiseBonus === 0 ? 0 : noiseAllowance(this.level(h), this.statistic);
  }

  /**
   * The utterance's result: its complete parses best first, each with its final statistic ({@link finalRatio}:
   * now that the whole utterance is heard, with the noise allowance and its best parse's worst phone).
   */
  result(): RecognitionResult {
    let hypotheses = this.decoder.finals().map((h) => ({ ...h, ratio: this.finalRatio(h) }));
    const rescored = this.rescored;
    if (rescored) {
      // The rescorer's choice first; parses it did not weigh after those it did.
      const of = (h: GraphHypothesis) => rescored.get(h.words.join(' ')) ?? -Infinity;
      hypotheses = hypotheses
        .filter((h) => rescored.has(h.words.join(' ')))
        .map((h) => ({ ...h, ratio: of(h) }))
        .sort((a, b) => b.ratio - a.ratio);
    }
    return {
      hypotheses,
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
      denoised: this.denoisedPass,
    };
  }
}

/** The utterance's denoised audio through the front end ({@link NoisyUtterancePass}); null: nothing left. */
async function denoisedFeatures({
  denoiser,
  pcm,
}: NoisyTake): Promise<{ feats: Float32Array; frames: number; sides: Float32Array[]; mean: null } | null> {
  try {
    const denoised = await denoiser.features(joinChunks(pcm));
    return denoised.frames === 0 ? null : { ...denoised, sides: [denoised.cepstra], mean: null };
  } finally {
    denoiser.release();
  }
}
