import {
  type CmnPrior,
  SPHINX_FRONT_END,
  SphinxMfcc,
  batchCmnFeatures,
  defaultSphinxFeaturesOptions,
} from '../audio/index.ts';
import {
  type Lexicon,
  type LoopPhone,
  type NoisyUtterancePass,
  type ParseRescorer,
  SenoneMixture,
  SenoneRecognizer,
  compileHmmGraph,
  type HmmGraph,
  type SenoneModel,
  type GaussianSelection,
  topGaussians,
} from '../asr/index.ts';
import { type AcousticTables, loadAcousticTables } from '../asr/acousticTables.ts';
import { downsampledSenoneFrames } from '../asr/senoneFrames.ts';
import { fileURLToPath } from 'node:url';
import { Batcher, type BatchStats } from '../inference/batcher.ts';
import { type Device, ModelLoadError } from '../inference/providers.ts';
import { GaussianSelector, type SelectedGaussians } from '../inference/gaussianSelector.ts';
import { CmuFusionModel } from '../inference/cmuFusionModel.ts';
import { cmuFusionRescorer } from './cmuFusion.ts';
import type { UtteranceDenoise } from '../audio/rnnoise.ts';
import { chunkFrames } from '../pipeline/index.ts';
import type { AcousticBackend, ModelRunWrapper } from './acoustic.ts';

import { sphinxFeatures } from './featureStreams.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The CMU model the runtime decodes with by default: CMU's en-us model MAP-adapted on real speech
 * (models/am-en-us-map/README.md: what it was adapted on, and what it gained on held-out speakers). The model
 * as CMU trained it is models/am-en-us (`--acoustic-model-dir models/am-en-us`).
 */
export const defaultCmuModelDir = fileURLToPath(new URL('../../models/am-en-us-map', import.meta.url));

/** One chunk of one stream's features for the Gaussian selection: [frames, 39] row-major. */
export interface SenoneRequest {
  readonly feats: Float32Array;
  readonly frames: number;
}

/** What {@link loadCmuBackend} needs. */
export interface CmuBackendOptions {
  /** The converted model's folder (gaussians.onnx, mixw.bin, am.json.gz). Default {@link defaultCmuModelDir}. */
  readonly dir?: string | undefined;
  readonly device: Device;
  readonly worker: boolean;
  readonly maxBatch: number;
  readonly lexicon: Lexicon;
  readonly wrapRun: ModelRunWrapper;
  readonly onBatch: (stats: BatchStats) => void;
  /**
   * Frame downsampling of the acoustic scores (pocketsphinx's `-ds`): the Gaussian selection and the mixture
   * run on 1 frame in `frameDownsample` (each chunk's frames 0, n, 2n, …) of the streaming pass (a run asked
   * for `everyFrame`, the second pass, scores them all); the frames in between reuse the
   * senone scores of the frame before them, and the decoder still runs every frame. An integer from 1 to
   * {@link maxFrameDownsample}; default {@link defaultFrameDownsample} (1: every frame scored).
   */
  readonly frameDownsample?: number | undefined;
  /**
   * Gaussians per codebook that the final pass of an utterance (the batch-CMN pass and the noisy-utterance
   * pass, whose result is the answer) scores each senone from; the live pass keeps pocketsphinx's 4. An
   * integer from 1 to the model's densities (128); default {@link defaultFinalGaussians}. A model exported
   * before K was an input of gaussians.onnx gives 4 whatever is asked.
   */
  readonly finalGaussians?: number | undefined;
  /** Sphinx's noise removal in each session's front end (SphinxFeaturesOptions.removeNoise). Default false. */
  readonly removeNoise?: boolean | undefined;
  /** The grammar search's beam and exit beam (HmmDecoderOptions). Default theirs (150, 120). */
  readonly searchBeams?: readonly [number, number] | undefined;
  /**
   * SenoneRecognizerOptions.firstPassStands: the statistic from which a clean utterance's first pass stands
   * without the batch-CMN pass, except in a session's first utterance. Default 1.5, 0.45 above the accept
   * threshold, chosen on the tuning speakers (`docs/real-speech/first-pass-stands/`); null: the pass always
   * runs. It was off for a while after a real recording of the test suite (`cards-001.wav`, a session's first
   * utterance) came out "five ten of clubs" from the first pass, which decodes a session's first utterance
   * from the model's initial mean: the batch-CMN pass is what corrects that, so a first utterance always takes
   * it now. Held out, one session per speaker (`evaluate.ts --session speaker`), Speech Commands went from
   * 77.8 to 78.5 % at the same false acceptance; later commands of a session answer sooner, by the whole
   * pass on a long grammar.
   */
  readonly firstPassStands?: number | null | undefined;
  /**
   * Frames of speech the front end's initial mean (`cmnInit`, the en-us model's `-cmninit`) counts as in batch
   * CMN at an utterance's end (src/audio/sphinxFeatures.ts `CmnPrior`); 0: the utterance's own mean alone.
   * Default {@link defaultCmnPriorFrames}.
   */
  readonly cmnPriorFrames?: number | undefined;
  /** NoisyUtterancePass.chooseSurer (RuntimeOptions.noisyPassChoice). Default false. */
  readonly noisyPassChoice?: boolean | undefined;
  /**
   * Noise suppression of a whole utterance's 16 kHz audio (RNNoise, src/audio/rnnoise.ts `UtteranceDenoise`),
   * one per utterance: with it, an utterance that measures noisy (its words less than {@link noisyGateDb} dB
   * above the sound around them) is decoded again from its denoised audio at its end
   * (src/asr/noisyUtterance.ts `NoisyUtterancePass`). Default none.
   */
  readonly denoiseUtterance?:
    (() => Pick<UtteranceDenoise, 'learn' | 'denoise' | 'release'>) | null | undefined;
  /**
   * The fusion model on the CMU path (`voxstream-fusion-cmu-1`, scripts/train_fusion_cmu.py): it rescores each
   * utterance's parses after its final pass (src/runtime/cmuFusion.ts). Default none.
   */
  readonly fusionPath?: string | null | undefined;
}

/**
 * The level (dB of an utterance's words above the sound around them, src/asr/speechLevel.ts) below which
 * `denoise: 'auto'` decodes it again from RNNoise's output ({@link CmuBackendOptions.denoiseUtterance}).
 * Chosen on the tuning speakers only (docs/real-speech/noisy-pass/).
 */
export const noisyGateDb = 20;

/**
 * Default {@link CmuBackendOptions.finalGaussians}: 4, pocketsphinx's, as the live pass. Measured on the tuning
 * speakers (docs/real-speech/final-gaussians/): with 16 the final pass chose the same words (Speech Commands
 * clean 84.8 % right first choice either way, speechocean762 80.5 → 80.8 %) and only raised the parses'
 * ratio against the phone loop (+0.08 a frame), which the accept threshold absorbs: floor and threshold chosen
 * again by the same rule, 55.5 % against 55.9 % accepted right; and its selection costs about 8 times as much
 * in ONNX Runtime's TopK.
 * pocketsphinx itself gains from it (74.9 → 78.5 % on the same clean words).
 */
export const defaultFinalGaussians = 4;

/** Default {@link CmuBackendOptions.frameDownsample}: 1, every frame scored. */
export const defaultFrameDownsample = 1;
/**
 * Largest {@link CmuBackendOptions.frameDownsample}: 4, scored frames 40 ms apart (accuracy measured at 1 and 2
 * only).
 */
export const maxFrameDownsample = 4;

/** Throws TypeError naming `field` unless `ratio` is a valid {@link CmuBackendOptions.frameDownsample}. */
export function checkFrameDownsample(ratio: unknown, field: string): void {
  if (typeof ratio !== 'number' || !Number.isInteger(ratio) || ratio < 1 || ratio > maxFrameDownsample)
    throw new TypeError(`${field} must be an integer in [1, ${maxFrameDownsample}], got ${String(ratio)}`);
}

/**
 * The frames of a chunk ([frames, dim] row-major) that frame downsampling by `ratio` scores: 0, ratio,
 * 2·ratio, …; the chunk itself when `ratio` is 1.
 */
export function keptFrames(
  feats: Float32Array,
  frames: number,
  dim: number,
  ratio: number,
): { feats: Float32Array; frames: number } {
  if (ratio === 1) return { feats, frames };
  const kept = Math.ceil(frames / ratio);
  const out = new Float32Array(kept * dim);
  for (let k = 0; k < kept; k++) out.set(feats.subarray(k * ratio * dim, (k * ratio + 1) * dim), k * dim);
  return { feats: out, frames: kept };
}

/**
 * The CMU en-us model (models/am-en-us): the ONNX Gaussian selection (gaussians.onnx), shared by every session
 * through one cross-session batcher (chunks of up to 16 frames; a short last chunk is padded for the run and
 * its padding dropped); the mixture weights (mixw.bin), with which each session's search scores only the
 * senones it needs; and the triphone tables each context is compiled with. With frame downsampling
 * (`frameDownsample` n > 1) a chunk sends only its frames 0, n, 2n, … to the batcher, padded to
 * ⌈16 / n⌉ frames.
 */
export async function loadCmuBackend(options: CmuBackendOptions): Promise<AcousticBackend> {
  const dir = options.dir ?? defaultCmuModelDir;
  const ratio = options.frameDownsample ?? defaultFrameDownsample;
  checkFrameDownsample(ratio, 'frameDownsample');
  // Every chunk but an utterance's last has 16 frames, so chunk-relative frames 0, n, 2n, … are the
  // utterance's for n = 1, 2, 4; for 3 each chunk restarts the count (its frame 0 is always scored).
  const runFrames = Math.ceil(chunkFrames / ratio);
  const [tables, mixw, selector] = await Promise.all([
    loadAcousticTables(dir),
    readFile(join(dir, 'mixw.bin')),
    GaussianSelector.load({
      path: join(dir, 'gaussians.onnx'),
      device: options.device,
      worker: options.worker,
    }),
  ]);
  const fusionPath = options.fusionPath ?? null;
  let fusion: CmuFusionModel | null = null;
  try {
    fusion = fusionPath
      ? await CmuFusionModel.load({ path: fusionPath, device: options.device, worker: options.worker })
      : null;
  } catch (error) {
    await selector.release();
    throw new ModelLoadError(fusionPath as string, error instanceof ModelLoadError ? error.cause : error);
  }
  let mixture: SenoneMixture;
  try {
    const { streams, codebooks } = selector.shape;
    const densities = mixw.length / (streams * tables.nSenones);
    mixture = new SenoneMixture(new Uint8Array(mixw), tables.senoneBase, streams, codebooks, densities);
    if (codebooks !== tables.phones.length)
      throw new TypeError(`${codebooks} codebooks for ${tables.phones.length} phones`);
  } catch (error) {
    await Promise.all([selector.release(), fusion?.release()]);
    throw new TypeError(`${dir}: the model's files do not fit together: ${(error as Error).message}`);
  }
  const finalKept = options.finalGaussians ?? defaultFinalGaussians;
  if (!Number.isInteger(finalKept) || finalKept < 1 || finalKept > mixture.densities) {
    await Promise.all([selector.release(), fusion?.release()]);
    throw new TypeError(`finalGaussians: an integer from 1 to ${mixture.densities}, got ${finalKept}`);
  }
  // One batcher per K, each one run for the chunks of every session: the live pass's chunks (downsampled
  // ones at ⌈16 / n⌉ frames; a batch with a final pass's whole chunk in it at 16) and, where the final pass
  // keeps more Gaussians, the final passes' chunks apart.
  const selection = (kept: number, frames: number) =>
    new Batcher<SenoneRequest, SelectedGaussians>(
      (reqs) =>
        options.wrapRun('asr', async () => {
          const width = reqs.some((r) => r.frames > frames) ? chunkFrames : frames;
          const padded = reqs.map((r) => {
            if (r.frames === width) return r.feats;
            const whole = new Float32Array(width * selector.dim);
            whole.set(r.feats.subarray(0, r.frames * selector.dim));
            return whole;
          });
          const out = await selector.run(padded, width, kept);
          return out.map((g, i) => ({ ...g, frames: (reqs[i] as SenoneRequest).frames }));
        }),
      { maxBatch: Math.min(256, options.maxBatch) },
      options.onBatch,
    );
  const live = selection(topGaussians, runFrames);
  const final = finalKept === topGaussians ? live : selection(finalKept, chunkFrames);
  const model = cmuSenoneModel(
    (r, everyFrame) => (everyFrame ? final : live).submit(r),
    mixture,
    selector.dim,
    ratio,
  );
  const loopPhones = backgroundPhones(tables);
  const decoder = options.searchBeams
    ? { beam: options.searchBeams[0], exitBeam: options.searchBeams[1] }
    : {};
  const denoise = options.denoiseUtterance ?? null;
  const priorFrames = options.cmnPriorFrames ?? defaultCmnPriorFrames;
  const cmnPrior: CmnPrior | null =
    priorFrames > 0 ? { mean: defaultSphinxFeaturesOptions.cmnInit, frames: priorFrames } : null;
  const noisyPass: NoisyUtterancePass | null = denoise
    ? {
        gateDb: noisyGateDb,
        chooseSurer: options.noisyPassChoice ?? false,
        denoiser: () => {
          const utterance = denoise();
          return {
            learn: (pcm) => utterance.learn(pcm),
            release: () => utterance.release(),
            features: async (pcm) => {
              const mfcc = new SphinxMfcc({ removeNoise: options.removeNoise ?? false });
              const head = mfcc.push(await utterance.denoise(pcm));
              const tail = mfcc.flush();
              const cepstra = new Float32Array(head.length + tail.length);
              cepstra.set(head);
              cepstra.set(tail, head.length);
              return {
                feats: batchCmnFeatures(cepstra, cmnPrior),
                cepstra,
                frames: cepstra.length / SPHINX_FRONT_END.cepstra,
              };
            },
          };
        },
      }
    : null;
  const { floor, finalFloor, worstPhoneWeight } = cmuConfidence[noisyPass ? 'noisyPass' : 'plain'];
  const firstPassStands = options.firstPassStands === undefined ? 1.5 : options.firstPassStands;
  const understand = cmuUnderstandDefaults(noisyPass !== null);
  let rescorer: ParseRescorer | null = null;
  try {
    rescorer = fusion ? cmuFusionRescorer(fusion, tables, options.lexicon, understand) : null;
  } catch (error) {
    await Promise.all([selector.release(), fusion?.release()]);
    throw new TypeError(`${fusionPath}: ${(error as Error).message}`);
  }
  const adopt = (hmm: HmmGraph) => ({
    guessedWords: hmm.guessedWords,
    recognizer: () =>
      new SenoneRecognizer(model, hmm, loopPhones, {
        decoder,
        noisyPass,
        firstPassStands,
        cmnPrior,
        statistic: { floor, finalFloor, worstPhoneWeight },
        rescorer,
      }),
  });
  return {
    name: 'cmu',
    provider: selector.provider,
    providerReason: selector.providerReason,
    compile: (graph) => adopt(compileHmmGraph(graph, options.lexicon, tables)),
    // The context compiler's worker loads the same tables from this folder.
    offThread: { modelDir: dir, adopt },
    features: () => sphinxFeatures({ removeNoise: options.removeNoise ?? false }),
    understand,
    recognize: cmuRecognizeDefaults,
    queued: () => live.queued + (final === live ? 0 : final.queued),
    release: async () => {
      await Promise.all([selector.release(), fusion?.release()]);
    },
  };
}

/**
 * A session's view of the CMU model: a chunk of at most 16 frames in, its frames 0, ratio, 2·ratio, … through
 * `select` (the shared Gaussian selection), their senone scores from `mixture` on demand, and every other
 * frame reading the scores of the scored frame before it ({@link CmuBackendOptions.frameDownsample}).
 */
export function cmuSenoneModel(
  select: (request: SenoneRequest, everyFrame: boolean) => Promise<GaussianSelection>,
  mixture: SenoneMixture,
  dim: number,
  ratio: number,
): SenoneModel {
  return {
    dim,
    run: async (feats, frames, everyFrame = false) => {
      if (frames > chunkFrames) throw new RangeError(`at most ${chunkFrames} frames a chunk, got ${frames}`);
      const n = everyFrame ? 1 : ratio;
      const scores = mixture.frames(await select(keptFrames(feats, frames, dim, n), everyFrame));
      return downsampledSenoneFrames(scores, n, frames);
    },
  };
}

/**
 * The CMU model's confidence, per way it decodes: the floor of its statistic (the words' per-frame likelihood
 * ratio against the phone loop above the floor, scaled by the square root of their length over 0.5 s:
 * src/asr/ratioStatistic.ts `RatioStatistic`) and the statistic that is confidence 0.5, the accept
 * threshold (`ratioMidpoint`). Each pair chosen by `scripts/realspeech/tune.ts` on tuning speakers held out of
 * the model's adaptation (a quarter of the Speech Commands tuning speakers and of speechocean762's train
 * speakers, by crc32 of the speaker id; clean and at 6, 12, 18 and 24 dB), the phone loop's penalty -15: the
 * pair accepting the most commands right (the mean over conditions) with at most a target false acceptance on
 * each set, pooled and on its clean files.
 * - `plain` (no noisy-utterance pass, `denoise` 'off' or 'rnnoise'; docs/real-speech/phone-loop/): target 5 %;
 *   it printed 58.7 % / 3.3 % (Speech Commands) and 44.6 % / 4.2 % (speechocean762).
 * - `noisyPass` (`denoise` 'auto', the default; docs/real-speech/noisy-pass/): target 4 %, since a threshold
 *   chosen at the edge of 5 % on the tuning speakers had come out at 8.8 % on other speakers; chosen on all
 *   760 clean speechocean762 tuning files (145 left-out sentences) and 100 per SNR, since the pair chosen on
 *   200 of them (-0.7, 1.3) came out at 6.2 % on the 760: 66.3 % / 2.2 % and 48.3 % / 3.1 %.
 * `finalFloor` and `worstPhoneWeight` (the result's own floor and its worst aligned phone, RatioStatistic) are
 * off: chosen on the tuning speakers (-1.1, 0.15, threshold 1.75), held out they took speechocean762 from 60.2
 * to 62.7 % and Speech Commands from 77.9 to 79.3 %, but FSDD's digits from 75.3 to 71.0 %, which FSDD's
 * training speakers showed too; with those in the rule nothing beat the statistic as it is
 * (docs/real-speech/worst-phone/).
 */
export const cmuConfidence = {
  plain: { floor: -0.6, ratioMidpoint: 1.05, finalFloor: null, worstPhoneWeight: 0 },
  noisyPass: { floor: -0.4, ratioMidpoint: 1.05, finalFloor: null, worstPhoneWeight: 0 },
} as const;

/**
 * Frames of speech the model's initial cepstral mean counts as in batch CMN at an utterance's end (the second
 * pass and the denoised pass): 0, none. On the tuning speakers (`scripts/realspeech/tune.ts --cmn-prior N`,
 * `sc_tunehold`, one-second words) a prior of 30 frames made the first choice right on 482 of 554 clean words
 * instead of 469 (15: 478, 50: 481, 100: 477, 300: 469), but the words it won came with low confidence and
 * out-of-context words rose with them: at 2 / 4 / 6 % false acceptance it kept 71.1 / 73.3 / 77.8 % of the
 * clean words right against 73.8 / 74.7 / 76.2 % without (floor -0.4). docs/real-speech/worst-phone/.
 */
export const defaultCmnPriorFrames = 0;

/** The intent decision's defaults on the CMU model's statistic, for its `plain` or `noisyPass` confidence. */
export function cmuUnderstandDefaults(noisyPass: boolean) {
  const { ratioMidpoint } = cmuConfidence[noisyPass ? 'noisyPass' : 'plain'];
  return { ratioMidpoint, ratioScale: 2, acceptThreshold: 0.5 };
}

/**
 * The early endpoint's floor on the same statistic: 0, a ratio at the floor. The early endpoint only decides
 * when to stop listening (the threshold decides after the second pass what is accepted), so it is looser than
 * the threshold: on 100 real Speech Commands clips streamed in real time (`scripts/bench-latency.ts
 * --recordings work/real/sc_report_clean`) speech end → intent p50 / p95 was 220 / 554 ms with the
 * threshold's 0.8 here and 166 / 550 ms with 0, with the same answers but one (86 right, against 85).
 */
export const cmuRecognizeDefaults = {
  earlyMinRatio: 0,
  /**
   * A complete command below that statistic (likely "not understood") ends after 160 ms of silence, not 320:
   * on the tuning speakers the same commands right within a few files (Speech Commands 412 -> 413 of 554,
   * speechocean762 411 -> 414 of 615, clean; no more false accepts, clean or at 6-24 dB), and a not-understood
   * sentence's answer about 160 ms sooner in one session in real time (docs/real-speech/low-confidence-silence/).
   */
  lowConfidenceSilenceMs: 160,
  /**
   * In noise the best path of all can stay inside a command's last phone for hundreds of ms after the word,
   * taking in the noise, while the complete path trails it by 2–7 nats (Speech Commands tuning speakers at
   * 6 dB); with this margin the endpoint no longer waits for it (docs/real-speech/endpoint-margin/: speech
   * end → intent p95 761 → 372 ms there, the same answers within a few files on tuning and held-out speakers).
   */
  sameWordsMarginNats: 10,
};

/** Every base phone and filler of the model, context-independent: the background model's loop. */
function backgroundPhones(tables: AcousticTables): LoopPhone[] {
  return tables.phones.map((p) => ({ senones: tables.ciSenonesOf(p), transitions: tables.transitions(p) }));
}
