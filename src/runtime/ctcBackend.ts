import { type Lexicon, Recognizer, compilePhoneGraph } from '../asr/index.ts';
import { AsrModel, type AsrChunkResult, type AsrStreamState } from '../inference/asrModel.ts';
import { Batcher, type BatchStats } from '../inference/batcher.ts';
import type { Device } from '../inference/providers.ts';
import type { AcousticBackend, ModelRunWrapper } from './acoustic.ts';

import { logMelFeatures } from './featureStreams.ts';

interface AsrRequest {
  readonly feats: Float32Array;
  readonly state: AsrStreamState;
}

/** What {@link loadCtcBackend} needs. */
export interface CtcBackendOptions {
  readonly path: string;
  readonly device: Device;
  readonly worker: boolean;
  readonly maxBatch: number;
  readonly lexicon: Lexicon;
  readonly wrapRun: ModelRunWrapper;
  readonly onBatch: (stats: BatchStats) => void;
}

/** The CTC backend and the encoder under it (the fusion model reads the encoder's frames and tokens). */
export interface CtcBackend extends AcousticBackend {
  readonly asr: AsrModel;
}

/**
 * voxstream's own streaming phone-CTC encoder (models/asr): one cross-session batcher in front of it, each
 * session's encoder state its own, and contexts compiled into phone graphs for the CTC graph decoder.
 */
export async function loadCtcBackend(options: CtcBackendOptions): Promise<CtcBackend> {
  const asr = await AsrModel.load({ path: options.path, device: options.device, worker: options.worker });
  const batcher = new Batcher<AsrRequest, AsrChunkResult>(
    (reqs) =>
      options.wrapRun('asr', () =>
        asr.run(
          reqs.map((r) => r.feats),
          reqs.map((r) => r.state),
        ),
      ),
    { maxBatch: Math.min(256, options.maxBatch) },
    options.onBatch,
  );
  const tokenIds = new Map(asr.info.tokens.map((t, i) => [t, i]));
  return {
    name: 'ctc',
    asr,
    provider: asr.provider,
    providerReason: asr.providerReason,
    // Its phone graphs compile on the event loop: smart_home with 100 slot values (the limit) took 6-9 ms,
    // against 100-450 ms for the CMU model's HMM graph, which the compile worker makes.
    offThread: null,
    compile: (graph) => {
      const phones = compilePhoneGraph(graph, options.lexicon, tokenIds);
      const model = {
        tokens: asr.info.tokens.length,
        dim: asr.info.dim,
        createState: () => asr.createState(),
        run: (feats: Float32Array, state: AsrStreamState) => batcher.submit({ feats, state }),
      };
      return { guessedWords: phones.guessedWords, recognizer: () => new Recognizer(model, phones) };
    },
    features: () => logMelFeatures(),
    understand: {},
    recognize: {},
    queued: () => batcher.queued,
    release: () => asr.release(),
  };
}
