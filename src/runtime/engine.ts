import { Lexicon, shippedCompetitors, withCompetitors } from '../asr/index.ts';
import { RnnoiseDenoiser, UtteranceDenoise } from '../audio/rnnoise.ts';
import { RnnoiseWorker } from '../audio/rnnoiseWorkerClient.ts';
import { MODEL_CONTRACT } from '../audio/index.ts';
import { wordLoopIntent } from '../asr/wordLoop.ts';
import {
  ContextError,
  type ContextGraph,
  type ContextSpec,
  compileContext,
  loadContext,
  slotLimitExceeded,
} from '../context/index.ts';
import { access } from 'node:fs/promises';
import { type AsrModel, defaultAsrModelPath } from '../inference/asrModel.ts';
import { Batcher, type BatchStats } from '../inference/batcher.ts';
import { FusionModel, type FusionRequest } from '../inference/fusionModel.ts';
import { ModelLoadError } from '../inference/providers.ts';
import { SileroVad, type SileroVadStream } from '../inference/sileroVad.ts';
import { ServerMetrics } from '../metrics/index.ts';
import {
  type CandidateScorer,
  type Denoiser,
  type UnderstandOptions,
  type VoiceScorer,
  defaultUnderstandOptions,
} from '../pipeline/index.ts';
import { type TtsEngine, TtsPool } from '../tts/index.ts';
import { VoxError } from '../protocol/index.ts';
import type { AcousticBackend, CompiledContext, ModelRunWrapper } from './acoustic.ts';
import { ContextCache } from './contextCache.ts';
import { ContextCompiler } from './contextCompiler.ts';
import { defaultCmuModelDir, loadCmuBackend } from './cmuBackend.ts';
import { loadCtcBackend } from './ctcBackend.ts';
import { fusionScorer } from './fusionScorer.ts';
import type { Logger } from './log.ts';
import type { RuntimeOptions } from './options.ts';

/** A context ready for decoding: its word graph, compiled for the acoustic model in use. */
export interface LoadedContext {
  readonly name: string;
  readonly graph: ContextGraph;
  readonly decoding: CompiledContext;
  /** Estimated memory it holds, bytes (its graphs' arrays and arcs), which the context cache is bounded by. */
  readonly bytes: number;
}

interface VadRequest {
  readonly stream: SileroVadStream;
  readonly window: Float32Array;
}

/** Bytes a word-graph arc or node holds with what hangs off it (objects, the acoustic model's graph besides). */
const bytesPerArc = 200;

/** Estimated bytes of a compiled context: the typed arrays of its decoding graph, and its arcs and nodes. */
function contextBytes(graph: ContextGraph, arrays: object | null): number {
  let bytes = (graph.arcs.length + graph.nodeCount) * bytesPerArc;
  for (const v of Object.values(arrays ?? {})) if (ArrayBuffer.isView(v)) bytes += v.byteLength;
  return bytes;
}

export type { ModelRunWrapper, SharedModel } from './acoustic.ts';

/** What {@link Engine.load} needs besides the options. */
export interface EngineLoadOptions {
  readonly log: Logger;
  /** Sessions open now, for the metrics' gauge. Default: none (`infer`, the scripts). */
  readonly activeSessions?: () => number;
  /** Around every batched model run. Default: runs it. */
  readonly wrapRun?: ModelRunWrapper;
}

const runDirectly: ModelRunWrapper = (_model, run) => run();

function observeBatch(metrics: ServerMetrics, model: string, s: BatchStats): void {
  metrics.batchSize.observe(s.size, { model });
  metrics.batchWaitMs.observe(s.waitMs, { model });
  metrics.batchRunMs.observe(s.runMs, { model });
}

/**
 * What all sessions share: the models (loaded once), the cross-session batchers in front of them, the
 * lexicon, compiled contexts, TTS voices and the metrics. It keeps the options it was loaded with as given
 * (`O`: the server's, which extend {@link RuntimeOptions}, or those alone).
 */
export class Engine<O extends RuntimeOptions = RuntimeOptions> {
  /** Compiled contexts; pinned: the default and those checked by {@link reloadContext} (the last that loaded). */
  private readonly contexts: ContextCache<LoadedContext>;
  readonly vadBatcher: Batcher<VadRequest, number>;
  readonly fusionBatcher: Batcher<FusionRequest, number> | null;
  /** The audio–text fusion model as the intent stage uses it; null (no model) falls back to the CTC ratio. */
  readonly fusion: CandidateScorer | null;
  /**
   * The intent decision's options for every session: the server's, else the accept threshold tuned with the
   * fusion model for the kind of confidence in use (its choice of parse shifts the ratio's scores, and its own
   * confidence is on another scale), else the defaults.
   */
  readonly understandOptions: Partial<UnderstandOptions>;

  private constructor(
    readonly options: O,
    readonly log: Logger,
    /** The acoustic model every session decodes with (`options.acousticModel`). */
    readonly acoustic: AcousticBackend,
    /** voxstream's CTC encoder, where it is the acoustic model (the fusion model and dictation need it). */
    readonly asr: AsrModel | null,
    readonly vad: SileroVad,
    readonly lexicon: Lexicon,
    readonly metrics: ServerMetrics,
    readonly fusionModel: FusionModel | null,
    wrapRun: ModelRunWrapper,
    private readonly compiler: ContextCompiler,
    private readonly tts: TtsPool,
    /**
     * RNNoise, where `options.denoise` is 'rnnoise' or 'auto': in its own worker thread with `inferenceThreads`
     * 'worker' (the server), in process with 'main' (`infer`, one process working through files).
     */
    private readonly rnnoise: RnnoiseDenoiser | RnnoiseWorker | null,
  ) {
    this.contexts = new ContextCache(options.contextCacheBytes, (c) => c.bytes);
    this.vadBatcher = new Batcher(
      (reqs) =>
        wrapRun('vad', () =>
          vad.runBatch(
            reqs.map((r) => r.stream),
            reqs.map((r) => r.window),
          ),
        ),
      { maxBatch: Math.min(256, options.maxBatch) },
      (s) => this.observeBatch('vad', s),
    );
    this.fusionBatcher = fusionModel
      ? new Batcher(
          (reqs) => wrapRun('fusion', () => fusionModel.run(reqs)),
          { maxBatch: Math.min(128, options.maxBatch) },
          (s) => this.observeBatch('fusion', s),
        )
      : null;
    this.fusion =
      fusionModel && this.fusionBatcher && asr
        ? fusionScorer(fusionModel, this.fusionBatcher, asr.info.tokens, lexicon)
        : null;
    const confidence = options.endpointing.understand?.confidence ?? defaultUnderstandOptions.confidence;
    const fusionThreshold = fusionModel?.acceptThresholds[confidence];
    this.understandOptions = {
      ...acoustic.understand,
      ...(fusionThreshold !== undefined ? { acceptThreshold: fusionThreshold } : {}),
      ...options.endpointing.understand,
    };
  }

  /** Loads every shared model; throws naming the file when one fails (releasing those that loaded). */
  static async load<O extends RuntimeOptions>(options: O, load: EngineLoadOptions): Promise<Engine<O>> {
    const { log } = load;
    const started = performance.now();
    const asrPath = options.asrModelPath ?? defaultAsrModelPath;
    const fusionPath = options.fusionModelPath ?? null;
    const named = async <T>(path: string, load: () => Promise<T>): Promise<T> => {
      try {
        await access(path);
        return await load();
      } catch (error) {
        // The message names the model file the caller gave (a load may fail on its .json sidecar first).
        // The CMU backend loads the CMU path's fusion model too, and names it where that one fails.
        throw error instanceof ModelLoadError && (error.path === path || error.path === fusionPath)
          ? error
          : new ModelLoadError(path, error);
      }
    };
    const worker = options.inferenceThreads === 'worker';
    const wrapRun = load.wrapRun ?? runDirectly;
    // The CMU path's fusion model (voxstream-fusion-cmu-1) is its backend's: it rescores the parses of each
    // utterance's final pass. The CTC path's (voxstream-fusion-2) is the intent stage's, loaded below.
    const cmuFusionPath = options.acousticModel === 'cmu' ? fusionPath : null;
    const ctcFusionPath = options.acousticModel === 'ctc' ? fusionPath : null;
    // The metrics exist before the models, so the acoustic batcher can report to them.
    const metrics = new ServerMetrics(load.activeSessions ?? (() => 0));
    const onBatch = (model: string) => (s: BatchStats) => observeBatch(metrics, model, s);
    const lexicon = await Lexicon.load();
    const common = { device: options.device, worker, maxBatch: options.maxBatch, lexicon, wrapRun };
    // RNNoise for every session's audio ('rnnoise') or for the utterances that measure noisy ('auto', which
    // redoes the CMU model's last pass: the CTC encoder has none, so with it 'auto' is off).
    const noisyPass = options.denoise === 'auto' && options.acousticModel === 'cmu';
    if (options.denoise === 'auto' && !noisyPass)
      log.info("denoise 'auto' works with the CMU model only: no noise suppression with 'ctc'", {
        acousticModel: options.acousticModel,
      });
    const rnnoise =
      options.denoise === 'rnnoise' || noisyPass
        ? worker
          ? await RnnoiseWorker.start()
          : await RnnoiseDenoiser.load()
        : null;
    const denoiseUtterance =
      rnnoise && noisyPass
        ? () => {
            const utterance = new UtteranceDenoise(rnnoise, MODEL_CONTRACT.sampleRate);
            let ahead: 'used' | 'unused' | null = null;
            return {
              learn: (pcm: Float32Array) => {
                ahead = 'unused';
                utterance.learn(pcm);
              },
              denoise: (pcm: Float32Array) => {
                metrics.denoisedUtterances.inc();
                if (ahead) ahead = 'used';
                return utterance.denoise(pcm);
              },
              release: () => {
                if (ahead) metrics.denoiseLearnedAhead.inc({ outcome: ahead });
                ahead = null;
                utterance.release();
              },
            };
          }
        : null;
    const settled = await Promise.allSettled([
      options.acousticModel === 'ctc'
        ? named(asrPath, () => loadCtcBackend({ ...common, path: asrPath, onBatch: onBatch('asr') }))
        : named(options.acousticModelDir ?? defaultCmuModelDir, () =>
            loadCmuBackend({
              ...common,
              dir: options.acousticModelDir,
              onBatch: onBatch('asr'),
              frameDownsample: options.acousticFrameDownsample,
              removeNoise: options.removeNoise,
              searchBeams: options.searchBeams,
              firstPassStands: options.firstPassStands,
              cmnPriorFrames: options.cmnPriorFrames,
              noisyPassChoice: options.noisyPassChoice,
              finalGaussians: options.finalGaussians,
              denoiseUtterance,
              fusionPath: cmuFusionPath,
            }),
          ),
      SileroVad.load({ worker }),
      ctcFusionPath !== null
        ? named(ctcFusionPath, () =>
            FusionModel.load({ path: ctcFusionPath, device: options.device, worker }),
          )
        : Promise.resolve(null),
    ] as const);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      const value = <T>(r: PromiseSettledResult<T>) => (r.status === 'fulfilled' ? r.value : null);
      await Promise.allSettled([
        value(settled[0])?.release(),
        value(settled[1])?.release(),
        value(settled[2])?.release(),
        rnnoise instanceof RnnoiseWorker ? rnnoise.close() : undefined,
      ]);
      throw (failed as PromiseRejectedResult).reason;
    }
    const [acoustic, vad, fusion] = settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      AcousticBackend,
      SileroVad,
      FusionModel | null,
    ];
    const asr = 'asr' in acoustic ? (acoustic.asr as AsrModel) : null;
    log.info('models loaded', {
      ms: Math.round(performance.now() - started),
      acousticModel: acoustic.name,
      provider: acoustic.provider,
      providerReason: acoustic.providerReason,
      lexiconWords: lexicon.size,
      fusion: fusionPath ?? 'none (the likelihood ratio decides)',
    });
    // A worker compiles contexts (started by the first, the default context below), a fixed pool of workers
    // speaks every voice offered: what sessions ask of either is bounded here, at load.
    const compiler = new ContextCompiler({
      dirs: contextDirs(options),
      cmuModelDir: acoustic.offThread?.modelDir ?? null,
      slotLimits: options.slotLimits,
      competitors: acoustic.offThread ? shippedCompetitors(options.competitors ?? 0) : [],
    });
    let tts: TtsPool;
    try {
      tts = await TtsPool.load({ workers: options.ttsWorkers, voices: options.voices });
    } catch (error) {
      await Promise.allSettled([
        acoustic.release(),
        vad.release(),
        fusion?.release(),
        rnnoise instanceof RnnoiseWorker ? rnnoise.close() : undefined,
      ]);
      throw error;
    }
    const engine = new Engine(
      options,
      log,
      acoustic,
      asr,
      vad,
      lexicon,
      metrics,
      fusion,
      wrapRun,
      compiler,
      tts,
      rnnoise,
    );
    log.info('intent decision', {
      acceptThreshold: engine.understandOptions.acceptThreshold ?? defaultUnderstandOptions.acceptThreshold,
    });
    log.info('reply voices', { voices: tts.voices, workers: options.ttsWorkers });
    try {
      await engine.context(options.defaultContext);
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  private observeBatch(model: string, s: BatchStats): void {
    observeBatch(this.metrics, model, s);
  }

  /**
   * A context by name or path, with optional per-session slot values (within `options.slotLimits`): compiled
   * once, in the compile worker (never on the event loop), and cached within `options.contextCacheBytes`.
   * @throws ContextError naming the context and line; VoxError `VX_OVERLOADED` when too many compilations wait
   */
  context(
    name: string,
    slots?: Readonly<Record<string, readonly string[]>>,
    mode: 'add' | 'replace' = 'add',
  ): Promise<LoadedContext> {
    const withSlots = slots !== undefined && Object.keys(slots).length > 0;
    // Over the limits: refused here, before the request takes a place in the compile queue.
    const over = withSlots ? slotLimitExceeded(slots, this.options.slotLimits) : null;
    if (over !== null) return Promise.reject(new ContextError(`slot override: ${over}`, name, undefined));
    const key = JSON.stringify([name, withSlots ? slots : null, mode]);
    let loaded = this.contexts.get(key);
    if (!loaded) {
      loaded = this.compile(name, withSlots ? slots : null, mode);
      this.contexts.set(key, loaded, name === this.options.defaultContext && !withSlots);
    }
    return loaded;
  }

  private async compile(
    name: string,
    slots: Readonly<Record<string, readonly string[]>> | null,
    mode: 'add' | 'replace',
  ): Promise<LoadedContext> {
    const { graph, hmm } = await this.compiler.compile({ name, slots, mode });
    const offThread = this.acoustic.offThread;
    const decoding =
      hmm && offThread ? offThread.adopt({ ...hmm, context: graph }) : this.acoustic.compile(graph);
    if (decoding.guessedWords.length > 0) {
      this.log.warn('context words outside the lexicon are spelled by rule', {
        context: name,
        words: decoding.guessedWords.slice(0, 20),
      });
    }
    return { name, graph, decoding, bytes: contextBytes(graph, hmm) };
  }

  /**
   * A free word loop over `words` for dictation (src/asr/wordLoop.ts: any sequence of them, no language
   * model), compiled in the compile worker as contexts are and cached with them under its vocabulary. Only
   * the CMU model decodes one (its HMM graph links every word to every word with the right triphones).
   * @throws TypeError (rejects) with another acoustic model or no words
   */
  wordLoop(words: readonly string[]): Promise<LoadedContext> {
    if (this.acoustic.offThread === null)
      return Promise.reject(
        new TypeError(`a word loop needs the cmu acoustic model, not ${this.acoustic.name}`),
      );
    const vocabulary = [...new Set(words)].sort();
    if (vocabulary.length === 0) return Promise.reject(new TypeError('a word loop needs at least one word'));
    // A null name: no context's key (a context is named by a string), so reloadContext never drops it.
    const key = JSON.stringify([null, vocabulary]);
    let loaded = this.contexts.get(key);
    if (!loaded) {
      loaded = this.compileWordLoop(vocabulary);
      this.contexts.set(key, loaded, false);
    }
    return loaded;
  }

  private async compileWordLoop(words: readonly string[]): Promise<LoadedContext> {
    const name = wordLoopIntent;
    const { graph, hmm } = await this.compiler.compile({ name, slots: null, mode: 'add', words });
    const offThread = this.acoustic.offThread;
    if (!hmm || !offThread) throw new TypeError('the compile worker made no HMM graph for the word loop');
    return {
      name,
      graph,
      decoding: offThread.adopt({ ...hmm, context: graph }),
      bytes: contextBytes(graph, hmm),
    };
  }

  /** Where bare context names resolve: the user's folder (`contextsDir`) first, then the shipped ones. */
  private get contextLoadOptions(): { dirs: readonly string[] } {
    return { dirs: contextDirs(this.options) };
  }

  /** Estimated bytes of the contexts cached with session slot values (the default and pinned ones aside). */
  get contextCacheBytes(): number {
    return this.contexts.bytes;
  }

  /**
   * Loads context `name` afresh (its file changed): when it parses and compiles, it replaces the cached
   * versions of it (those with slot values are dropped), for the sessions started from then on, and stays
   * cached; sessions already running keep theirs. When it does not, the version in service stays and the error
   * is thrown (a {@link ContextError} names file and line). When no file of that name is left, its cached
   * versions are dropped (the default context's stays).
   * @returns `replaced` (a version was in service), `checked` (none was) or `removed`
   */
  async reloadContext(name: string): Promise<'replaced' | 'checked' | 'removed'> {
    const keys = () => this.contexts.keys().filter((key) => (JSON.parse(key) as [string])[0] === name);
    const base = JSON.stringify([name, null, 'add']);
    let spec: ContextSpec;
    try {
      spec = await loadContext(name, this.contextLoadOptions);
    } catch (error) {
      if (!(error instanceof ContextError && error.code === 'VX_UNKNOWN_CONTEXT')) throw error;
      if (name !== this.options.defaultContext) for (const key of keys()) this.contexts.delete(key);
      return 'removed';
    }
    const words = this.compiler.competitors;
    const compiled = compileContext(spec);
    const graph = words.length > 0 ? withCompetitors(compiled, words, this.lexicon) : compiled;
    const decoding = this.acoustic.compile(graph);
    const fresh: LoadedContext = { name, graph, decoding, bytes: contextBytes(graph, null) };
    const cached = keys();
    for (const key of cached) this.contexts.delete(key);
    this.contexts.set(base, Promise.resolve(fresh), true);
    return cached.length > 0 ? 'replaced' : 'checked';
  }

  /** The reply voices offered (espeak-ng names), the default first. */
  get voices(): readonly string[] {
    return this.tts.voices;
  }

  /**
   * The offered voice `name`, shared by every session and spoken by the fixed pool of TTS workers.
   * @throws VoxError `VX_BAD_VOICE` (rejects) when it is not offered; nothing is started for it
   */
  voice(name: string): Promise<TtsEngine> {
    const voice = this.tts.voice(name);
    if (voice) return Promise.resolve(voice);
    const offered = this.tts.voices.join(', ');
    const shown = JSON.stringify(String(name).slice(0, 40));
    return Promise.reject(new VoxError('VX_BAD_VOICE', `voice ${shown} is not offered (voices: ${offered})`));
  }

  /**
   * A session's noise suppressor in front of everything (16 kHz audio) where `options.denoise` is 'rnnoise';
   * null otherwise ('auto' denoises noisy utterances in the recognizer's last pass instead).
   */
  denoiser(): Denoiser | null {
    if (this.options.denoise !== 'rnnoise') return null;
    return this.rnnoise?.stream(MODEL_CONTRACT.sampleRate) ?? null;
  }

  /** Voice activity detection as one session sees it: its own state, batched with every other session. */

  voiceScorer(): VoiceScorer {
    const stream = this.vad.createStream();
    return {
      score: (window) => this.vadBatcher.submit({ stream, window }),
      reset: () => stream.reset(),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      this.tts.close(),
      this.compiler.close(),
      this.acoustic.release(),
      this.vad.release(),
      this.fusionModel?.release(),
      this.rnnoise instanceof RnnoiseWorker ? this.rnnoise.close() : undefined,
    ]);
  }
}

/** Where bare context names resolve before the shipped folder: the user's `contextsDir`, if any. */
function contextDirs(options: RuntimeOptions): readonly string[] {
  const dir = options.contextsDir;
  return dir === undefined || dir === null ? [] : [dir];
}
