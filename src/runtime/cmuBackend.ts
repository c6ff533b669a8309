import {
  type Lexicon,
  type LoopPhone,
  SenoneMixture,
  SenoneRecognizer,
  compileHmmGraph,
  type HmmGraph,
  type SenoneModel,
} from '../asr/index.ts';
import { type AcousticTables, loadAcousticTables } from '../asr/acousticTables.ts';
import { fileURLToPath } from 'node:url';
import { Batcher, type BatchStats } from '../inference/batcher.ts';
import type { Device } from '../inference/providers.ts';
import { GaussianSelector, type SelectedGaussians } from '../inference/gaussianSelector.ts';
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

interface SenoneRequest {
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
}

/**
 * The CMU en-us model (models/am-en-us): the ONNX Gaussian selection (gaussians.onnx), shared by every session
 * through one cross-session batcher (chunks of up to 16 frames; a short last chunk is padded for the run and
 * its padding dropped); the mixture weights (mixw.bin), with which each session's search scores only the
 * senones it needs; and the triphone tables each context is compiled with.
 */
export async function loadCmuBackend(options: CmuBackendOptions): Promise<AcousticBackend> {
  const dir = options.dir ?? defaultCmuModelDir;
  const [tables, mixw, selector] = await Promise.all([
    loadAcousticTables(dir),
    readFile(join(dir, 'mixw.bin')),
    GaussianSelector.load({
      path: join(dir, 'gaussians.onnx'),
      device: options.device,
      worker: options.worker,
    }),
  ]);
  let mixture: SenoneMixture;
  try {
    const { streams, codebooks } = selector.shape;
    const densities = mixw.length / (streams * tables.nSenones);
    mixture = new SenoneMixture(new Uint8Array(mixw), tables.senoneBase, streams, codebooks, densities);
    if (codebooks !== tables.phones.length)
      throw new TypeError(`${codebooks} codebooks for ${tables.phones.length} phones`);
  } catch (error) {
    await selector.release();
    throw new TypeError(`${dir}: the model's files do not fit together: ${(error as Error).message}`);
  }
  const batcher = new Batcher<SenoneRequest, SelectedGaussians>(
    (reqs) =>
      options.wrapRun('asr', async () => {
        const padded = reqs.map((r) => {
          if (r.frames === chunkFrames) return r.feats;
          const whole = new Float32Array(chunkFrames * selector.dim);
          whole.set(r.feats.subarray(0, r.frames * selector.dim));
          return whole;
        });
        const out = await selector.run(padded, chunkFrames);
        return out.map((g, i) => ({ ...g, frames: (reqs[i] as SenoneRequest).frames }));
      }),
    { maxBatch: Math.min(256, options.maxBatch) },
    options.onBatch,
  );
  const model: SenoneModel = {
    dim: selector.dim,
    run: async (feats, frames) => {
      if (frames > chunkFrames) throw new RangeError(`at most ${chunkFrames} frames a chunk, got ${frames}`);
      return mixture.frames(await batcher.submit({ feats, frames }));
    },
  };
  const loopPhones = backgroundPhones(tables);
  const adopt = (hmm: HmmGraph) => ({
    guessedWords: hmm.guessedWords,
    recognizer: () => new SenoneRecognizer(model, hmm, loopPhones),
  });
  return {
    name: 'cmu',
    provider: selector.provider,
    providerReason: selector.providerReason,
    compile: (graph) => adopt(compileHmmGraph(graph, options.lexicon, tables)),
    // The context compiler's worker loads the same tables from this folder.
    offThread: { modelDir: dir, adopt },
    features: () => sphinxFeatures(),
    understand: cmuUnderstandDefaults,
    recognize: cmuRecognizeDefaults,
    queued: () => batcher.queued,
    release: () => selector.release(),
  };
}

/**
 * The confidence mapping and accept threshold for the CMU model's statistic (the words' per-frame likelihood
 * ratio against the phone loop above a floor of -1.3, scaled by the square root of their length over 0.5 s:
 * src/asr/senoneRecognizer.ts `RatioStatistic`): a statistic of 0.8 is confidence 0.5, the accept threshold.
 * Floor and threshold chosen together by `scripts/realspeech/tune.ts` (docs/real-speech/tune-statistic.json) on
 * tuning speakers held out of the model's adaptation (a quarter of the Speech Commands tuning speakers and of
 * speechocean762's train speakers, by crc32 of the speaker id; clean and at 6 and 18 dB): the pair accepting
 * the most commands right with at most 5 % false acceptance on each set. It printed 66.0 % / 3.4 % (Speech
 * Commands) and 51.2 % / 4.4 % (speechocean762); the best single per-frame threshold (-0.45, the statistic
 * used before) 67.2 % / 3.4 % and 35.7 % / 1.9 %: sentences were rejected for being long, not for being wrong.
 */
export const cmuUnderstandDefaults = { ratioMidpoint: 0.8, ratioScale: 2, acceptThreshold: 0.5 };

/**
 * The early endpoint's floor on the same statistic: 0, a ratio at the floor. The early endpoint only decides
 * when to stop listening (the threshold decides after the second pass what is accepted), so it is looser than
 * the threshold: on 100 real Speech Commands clips streamed in real time (`scripts/bench-latency.ts
 * --recordings work/real/sc_report_clean`) speech end → intent p50 / p95 was 220 / 554 ms with the
 * threshold's 0.8 here and 166 / 550 ms with 0, with the same answers but one (86 right, against 85).
 */
export const cmuRecognizeDefaults = { earlyMinRatio: 0 };

/** Every base phone and filler of the model, context-independent: the background model's loop. */
function backgroundPhones(tables: AcousticTables): LoopPhone[] {
  return tables.phones.map((p) => ({ senones: tables.ciSenonesOf(p), transitions: tables.transitions(p) }));
}
