import { type Device, devices } from '../inference/providers.ts';
import { type AcousticModelName, acousticModels } from './acoustic.ts';
import { checkFrameDownsample, defaultFrameDownsample } from './cmuBackend.ts';
import type { VoiceOptions } from '../pipeline/detectVoice.ts';
import type { RecognizeOptions } from '../pipeline/recognize.ts';
import type { SegmentOptions } from '../pipeline/segmentUtterances.ts';
import type { UnderstandOptions } from '../pipeline/understand.ts';
import type { StageBudgets } from '../protocol/index.ts';
import { type SlotLimits, checkSlotLimits, defaultSlotLimits } from '../context/index.ts';
import { defaultTtsPoolOptions } from '../tts/index.ts';

/**
 * What the runtime (models, batchers, contexts, each session's graph parts) is told at start-up; the server's
 * options extend these, and `infer` and the scripts give these alone.
 */
export interface RuntimeOptions {
  /** Where models run. Default 'cpu'. */
  device: Device;
  /**
   * Context compiled at start-up and never evicted; the server's sessions use it when `start` names none.
   * Default 'smart_home' (shipped in models/contexts).
   */
  defaultContext: string;
  /**
   * A folder of the user's contexts (`NAME.yaml`, each with an optional `NAME.replies.yaml`): a bare name is
   * looked up there first, then in the shipped models/contexts. Default none.
   */
  contextsDir?: string | null;
  /** Longest utterance, ms; speech past it is cut there (`VX_UTTERANCE_TOO_LONG`). Default 15000. */
  maxUtteranceMs: number;
  /** Default per-stage latency budgets, ms. */
  budgets: StageBudgets;
  /**
   * Most requests of one model run (ASR, VAD, fusion) that the cross-session batcher puts together; 1 turns
   * batching off. Default 256 (each model has its own cap: ASR 256, VAD 256, fusion 128).
   */
  maxBatch: number;
  /**
   * Where CPU model runs happen: 'worker' (default) gives each model its own worker thread, so runs overlap
   * with the event loop's socket, feature and decoding work and with each other; 'main' runs them on the
   * event loop (onnxruntime-node's runs are synchronous). GPU providers always run on the main thread.
   */
  inferenceThreads: 'worker' | 'main';
  /**
   * Endpointing and decision thresholds, per stage (defaults in each operator's file): VAD on/off
   * probabilities, trailing silence that ends an utterance, the early-endpoint silence and likelihood ratio,
   * the accept threshold of the intent decision.
   */
  endpointing: EndpointingOptions;
  /**
   * The acoustic model sessions decode with. Default 'cmu': CMU Sphinx's en-us triphone model, trained on real
   * speech (models/am-en-us); 'ctc' is voxstream's own phone-CTC encoder (models/asr), which the fusion model
   * needs. See models/am-en-us/README.md for how they compare on real recordings.
   */
  acousticModel: AcousticModelName;
  /**
   * The CMU model's folder (gaussians.onnx, mixw.bin and am.json.gz, as scripts/import_cmu_am.py and
   * scripts/export_cmu_gaussians.py write them). Default models/am-en-us-map (adapted on real speech);
   * models/am-en-us is the model as CMU trained it.
   */
  acousticModelDir?: string;
  /**
   * Frame downsampling of the CMU model's scores (pocketsphinx's `-ds`): Gaussian selection and mixture on 1
   * frame in N, the frames in between reusing the scores of the frame before; the search still runs every
   * frame. It applies to the streaming pass (partials, the early endpoint); the second pass at the utterance's
   * end, whose result is final, scores every frame. An integer from 1 to 4; default 1 (every frame scored).
   * Ignored by the 'ctc' model.
   */
  acousticFrameDownsample: number;
  /**
   * Noise suppression. 'auto' (the default; the CMU model only, 'off' with 'ctc'): RNNoise for the utterances
   * that measure noisy, their words less than 20 dB above the sound around them, each decoded again from its
   * denoised audio at its end instead of the second pass (src/asr/noisyUtterance.ts `NoisyUtterancePass`,
   * src/runtime/cmuBackend.ts `noisyGateDb`); on held-out speakers it took far more commands right at 0–6 dB
   * and cost some on FSDD's 8 kHz digits, and 30 real-time sessions stay within budget on 2 cores instead of 50
   * (models/am-en-us/README.md, "Noise"). 'rnnoise': xiph's RNNoise (src/audio/rnnoise.ts) on every session's
   * whole stream in front of the VAD and the acoustic model, about 0.05 of a core per stream (20 sessions).
   * 'off': none, the most sessions.
   */
  denoise: 'rnnoise' | 'auto' | 'off';
  /**
   * Sphinx's noise removal in the CMU model's front end (pocketsphinx's `-remove_noise`, its default;
   * src/audio/sphinxNoise.ts): a gain per mel filter from a running noise estimate, a few operations per
   * filter and frame. Ignored by the 'ctc' model. Default false.
   */
  removeNoise: boolean;
  /**
   * The CMU model's grammar search beams, natural log below the frame's best: [beam, exit beam] (HMMs outside
   * the beam are dropped; leaving an HMM needs the exit beam). Absent: the decoder's defaults, 150 and 120
   * (src/asr/hmmDecoder.ts, chosen on the tuning speakers). Wider finds more of a long grammar's sentences
   * and costs more search. Ignored by the 'ctc' model.
   */
  searchBeams?: readonly [number, number];
  /**
   * The CMU model's confidence statistic from which a clean utterance's first pass stands without the
   * batch-CMN second pass (SenoneRecognizerOptions.firstPassStands; never in a session's first utterance);
   * null: the second pass always runs. Absent: 1.5 (src/runtime/cmuBackend.ts `CmuBackendOptions.firstPassStands`
   * says why). Ignored by the
   * 'ctc' model.
   */
  firstPassStands?: number | null;
  /**
   * Frames of speech the model's initial cepstral mean counts as in the CMU model's batch CMN at an
   * utterance's end (its second pass and its denoised pass; src/audio/sphinxFeatures.ts `CmnPrior`); 0: the
   * utterance's own mean alone, as pocketsphinx_batch. Absent: the default in src/runtime/cmuBackend.ts
   * (`CmuBackendOptions.cmnPriorFrames` says why). Ignored by the 'ctc' model.
   */
  cmnPriorFrames?: number;
  /**
   * With `denoise` 'auto': an utterance that measures noisy is decoded from its denoised audio and with batch
   * CMN from its recorded features both, and answered from the pass whose best parse is surer (the level gate
   * also sends clean speech from a quiet room, which RNNoise can only hurt; src/asr/noisyUtterance.ts
   * `NoisyUtterancePass.chooseSurer`). Costs the batch-CMN pass on those utterances. Absent: false. Ignored by
   * the 'ctc' model.
   */
  noisyPassChoice?: boolean;
  /**
   * Gaussians per codebook from which the CMU model's final pass of an utterance scores each senone (the live
   * pass keeps pocketsphinx's 4): an integer from 1 to the model's 128 densities. Absent: the default in
   * src/runtime/cmuBackend.ts (`defaultFinalGaussians`). Ignored by the 'ctc' model.
   */
  finalGaussians?: number;
  /**
   * Common words put beside every context's commands as competitors (src/asr/competitors.ts): the first N of
   * models/lexicon/competitors.txt, less the context's own words and their homophones; an utterance whose best
   * parse is one of them is not understood. 0 or absent: none (the default; docs/real-speech/oov-competitors/).
   * Needs the lexicon, so only the 'cmu' model uses them.
   */
  competitors?: number;
  /** Paths of the models (defaults: the shipped ones in models/). */
  asrModelPath?: string;
  /**
   * The audio–text fusion model for a second pass over the parses; absent or null: none, the decoder's
   * likelihood ratio decides. With acousticModel 'ctc' a `voxstream-fusion-2` model that reads the CTC
   * encoder's frames (`defaultFusionModelPath`, models/fusion/README.md); with 'cmu' a
   * `voxstream-fusion-cmu-1` model that reads the CMU model's frames and rescores each utterance's parses
   * after its final pass (src/runtime/cmuFusion.ts).
   */
  fusionModelPath?: string | null;
  /**
   * The reply voices offered (espeak-ng names), checked at start-up; the first is the default. A client's
   * `start.reply.voice` must be one of them (`VX_BAD_VOICE`). Default en-us, en-gb, en-us+f3, en-us+m3.
   */
  voices: readonly string[];
  /** TTS worker threads shared by every voice, 1–8 (each ~90 MB resident). Default 1. */
  ttsWorkers: number;
  /** Limits on a session's own slot values (`start.slots`); see {@link SlotLimits}. */
  slotLimits: SlotLimits;
  /**
   * Memory the contexts compiled with session slot values may hold together, bytes (estimated from their
   * graphs); the least recently used go first past it. Default 64 MiB.
   */
  contextCacheBytes: number;
}

export interface EndpointingOptions {
  voice?: Partial<Pick<VoiceOptions, 'onThreshold' | 'offThreshold' | 'minSpeechMs'>>;
  segment?: Partial<Pick<SegmentOptions, 'preRollMs' | 'endSilenceMs'>>;
  recognize?: Partial<
    Pick<
      RecognizeOptions,
      'earlySilenceMs' | 'extendableSilenceMs' | 'earlyMinRatio' | 'lowConfidenceSilenceMs' | 'aheadSilenceMs'
    >
  >;
  understand?: Partial<Pick<UnderstandOptions, 'acceptThreshold' | 'candidates' | 'confidence'>>;
}

export const defaultBudgets: StageBudgets = { intent: 300, firstAudio: 450, asr: 100, fusion: 30, tts: 200 };

export const defaultRuntimeOptions: RuntimeOptions = {
  device: 'cpu',
  defaultContext: 'smart_home',
  maxUtteranceMs: 15_000,
  budgets: defaultBudgets,
  maxBatch: 256,
  inferenceThreads: 'worker',
  acousticModel: 'cmu',
  acousticFrameDownsample: defaultFrameDownsample,
  denoise: 'auto',
  removeNoise: false,
  endpointing: {},
  voices: defaultTtsPoolOptions.voices,
  ttsWorkers: defaultTtsPoolOptions.workers,
  slotLimits: defaultSlotLimits,
  contextCacheBytes: 64 * 1024 * 1024,
};

/** Merges options over the defaults and validates them; throws TypeError naming the bad field. */
export function resolveRuntimeOptions(options: Partial<RuntimeOptions> = {}): RuntimeOptions {
  const o: RuntimeOptions = {
    ...defaultRuntimeOptions,
    ...options,
    budgets: { ...defaultBudgets, ...options.budgets },
    slotLimits: { ...defaultSlotLimits, ...options.slotLimits },
  };
  checkRuntimeOptions(o, 'runtime option');
  return o;
}

/**
 * Validates the runtime's fields of merged options; throws TypeError naming the bad field after `label`
 * ('server option' when the server checks its own, which extend these).
 */
export function checkRuntimeOptions(o: RuntimeOptions, label: string): void {
  const int = (
    name: 'maxUtteranceMs' | 'maxBatch' | 'ttsWorkers' | 'contextCacheBytes',
    min: number,
    max: number,
  ) => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`${label} ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  int('maxUtteranceMs', 500, 600_000);
  int('maxBatch', 1, 4096);
  int('ttsWorkers', 1, 8);
  int('contextCacheBytes', 1024 * 1024, 16 * 1024 * 1024 * 1024);
  checkSlotLimits(o.slotLimits, `${label} slotLimits`);
  if (!Array.isArray(o.voices) || o.voices.length === 0 || !o.voices.every((v) => typeof v === 'string'))
    throw new TypeError(`${label} voices must be a non-empty list of espeak-ng voice names`);
  if (o.inferenceThreads !== 'worker' && o.inferenceThreads !== 'main')
    throw new TypeError(
      `${label} inferenceThreads must be 'worker' or 'main', got ${String(o.inferenceThreads)}`,
    );
  if (!acousticModels.includes(o.acousticModel))
    throw new TypeError(
      `${label} acousticModel must be one of ${acousticModels.join(', ')}, got ${String(o.acousticModel)}`,
    );
  checkFrameDownsample(o.acousticFrameDownsample, `${label} acousticFrameDownsample`);
  if (o.denoise !== 'rnnoise' && o.denoise !== 'auto' && o.denoise !== 'off')
    throw new TypeError(`${label} denoise must be 'rnnoise', 'auto' or 'off', got ${String(o.denoise)}`);
  const beams = o.searchBeams;
  if (
    beams !== undefined &&
    !(
      Array.isArray(beams) &&
      beams.length === 2 &&
      beams.every((b) => Number.isFinite(b) && b > 0) &&
      beams[1] <= beams[0]
    )
  )
    throw new TypeError(
      `${label} searchBeams must be [beam, exitBeam], positive, exitBeam <= beam, got ${JSON.stringify(beams)}`,
    );
  const prior = o.cmnPriorFrames;
  if (prior !== undefined && !(Number.isFinite(prior) && prior >= 0))
    throw new TypeError(`${label} cmnPriorFrames must be a number >= 0, got ${String(prior)}`);
  const kept = o.finalGaussians;
  if (kept !== undefined && !(Number.isInteger(kept) && kept >= 1))
    throw new TypeError(`${label} finalGaussians must be a positive integer, got ${String(kept)}`);
  const competitors = o.competitors;
  if (competitors !== undefined && !(Number.isInteger(competitors) && competitors >= 0))
    throw new TypeError(`${label} competitors must be an integer >= 0, got ${String(competitors)}`);
  if (o.noisyPassChoice !== undefined && typeof o.noisyPassChoice !== 'boolean')
    throw new TypeError(`${label} noisyPassChoice must be true or false, got ${String(o.noisyPassChoice)}`);
  const stands = o.firstPassStands;
  if (stands !== undefined && stands !== null && !Number.isFinite(stands))
    throw new TypeError(`${label} firstPassStands must be a number or null, got ${String(stands)}`);
  if (typeof o.removeNoise !== 'boolean')
    throw new TypeError(`${label} removeNoise must be true or false, got ${String(o.removeNoise)}`);
  checkEndpointing(o.endpointing, label);
  const dir = o.contextsDir;
  if (dir !== undefined && dir !== null && (typeof dir !== 'string' || dir.length === 0))
    throw new TypeError(`${label} contextsDir must be a folder's path or null, got ${String(dir)}`);
  if (!devices.includes(o.device))
    throw new TypeError(`${label} device must be one of ${devices.join(', ')}`);
  for (const [stage, ms] of Object.entries(o.budgets)) {
    if (typeof ms !== 'number' || !(ms > 0))
      throw new TypeError(`${label} budgets.${stage} must be a positive number`);
  }
}

/**
 * Checks that every endpointing threshold given is a finite number (each operator documents its range), and
 * `understand.confidence` one of its two names.
 */
function checkEndpointing(e: EndpointingOptions, label: string): void {
  if (typeof e !== 'object' || e === null) throw new TypeError(`${label} endpointing must be an object`);
  for (const [stage, values] of Object.entries(e)) {
    if (!['voice', 'segment', 'recognize', 'understand'].includes(stage))
      throw new TypeError(
        `${label} endpointing.${stage} is not a stage (voice, segment, recognize, understand)`,
      );
    for (const [name, v] of Object.entries(values as object)) {
      if (stage === 'understand' && name === 'confidence') {
        if (v !== 'ratio' && v !== 'fusion')
          throw new TypeError(`${label} endpointing.understand.confidence must be 'ratio' or 'fusion'`);
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`${label} endpointing.${stage}.${name} must be a number`);
    }
  }
}
