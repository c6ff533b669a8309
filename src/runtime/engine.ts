import { Lexicon } from '../asr/index.ts';
import {
  ContextError,
  type ContextGraph,
  type ContextSpec,
  compileContext,
  loadContext,
  withSlotValues,
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
  type UnderstandOptions,
  type VoiceScorer,
  defaultUnderstandOptions,
} from '../pipeline/index.ts';
import { CachedTts, WorkerTts } from '../tts/index.ts';
import type { AcousticBackend, CompiledContext, ModelRunWrapper } from './acoustic.ts';
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
}

interface VadRequest {
  readonly stream: SileroVadStream;
  readonly window: Float32Array;
}

/** Contexts compiled with session slot values are cached up to this many. */
const maxCachedContexts = 64;

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
  private readonly contexts = new Map<string, Promise<LoadedContext>>();
  /** Cache keys of contexts checked by {@link reloadContext}: never evicted, the last version that loaded. */
  private readonly pinnedContexts = new Set<string>();
  private readonly voices = new Map<string, Promise<CachedTts>>();
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
  ) {
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
        throw error instanceof ModelLoadError && error.path === path
          ? error
          : new ModelLoadError(path, error);
      }
    };
    const worker = options.inferenceThreads === 'worker';
    const wrapRun = load.wrapRun ?? runDirectly;
    if (fusionPath !== null && options.acousticModel !== 'ctc')
      throw new TypeError(
        `the fusion model reads the CTC encoder's frames: use acousticModel 'ctc' with it (got '${options.acousticModel}')`,
      );
    // The metrics exist before the models, so the acoustic batcher can report to them.
    const metrics = new ServerMetrics(load.activeSessions ?? (() => 0));
    const onBatch = (model: string) => (s: BatchStats) => observeBatch(metrics, model, s);
    const lexicon = await Lexicon.load();
    const common = { device: options.device, worker, maxBatch: options.maxBatch, lexicon, wrapRun };
    const settled = await Promise.allSettled([
      options.acousticModel === 'ctc'
        ? named(asrPath, () => loadCtcBackend({ ...common, path: asrPath, onBatch: onBatch('asr') }))
        : named(options.acousticModelDir ?? defaultCmuModelDir, () =>
            loadCmuBackend({ ...common, dir: options.acousticModelDir, onBatch: onBatch('asr') }),
          ),
      SileroVad.load({ worker }),
      fusionPath !== null
        ? named(fusionPath, () => FusionModel.load({ path: fusionPath, device: options.device, worker }))
        : Promise.resolve(null),
    ] as const);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      const value = <T>(r: PromiseSettledResult<T>) => (r.status === 'fulfilled' ? r.value : null);
      await Promise.allSettled([
        value(settled[0])?.release(),
        value(settled[1])?.release(),
        value(settled[2])?.release(),
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
      fusion: fusion ? fusionPath : 'none (the likelihood ratio decides)',
    });
    const engine = new Engine(options, log, acoustic, asr, vad, lexicon, metrics, fusion, wrapRun);
    log.info('intent decision', {
      acceptThreshold: engine.understandOptions.acceptThreshold ?? defaultUnderstandOptions.acceptThreshold,
    });
    try {
      await engine.context(options.defaultContext);
      await engine.voice('en-us');
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  private observeBatch(model: string, s: BatchStats): void {
    observeBatch(this.metrics, model, s);
  }

  /** A context by name or path, with optional per-session slot values; compiled once and cached. */
  context(
    name: string,
    slots?: Readonly<Record<string, readonly string[]>>,
    mode: 'add' | 'replace' = 'add',
  ): Promise<LoadedContext> {
    const key = JSON.stringify([name, slots ?? null, mode]);
    let loaded = this.contexts.get(key);
    if (!loaded) {
      loaded = (async () => {
        let spec = await loadContext(name, this.contextLoadOptions);
        if (slots && Object.keys(slots).length > 0) spec = withSlotValues(spec, slots, mode);
        const graph = compileContext(spec);
        const decoding = this.acoustic.compile(graph);
        if (decoding.guessedWords.length > 0) {
          this.log.warn('context words outside the lexicon are spelled by rule', {
            context: name,
            words: decoding.guessedWords.slice(0, 20),
          });
        }
        return { name, graph, decoding };
      })();
      this.contexts.set(key, loaded);
      loaded.catch(() => this.contexts.delete(key));
      if (this.contexts.size > maxCachedContexts) {
        const oldest = this.contexts.keys().next().value as string;
        if (
          oldest !== JSON.stringify([this.options.defaultContext, null, 'add']) &&
          !this.pinnedContexts.has(oldest)
        )
          this.contexts.delete(oldest);
      }
    }
    return loaded;
  }

  /** Where bare context names resolve: the user's folder (`contextsDir`) first, then the shipped ones. */
  private get contextLoadOptions(): { dirs: readonly string[] } {
    const dir = this.options.contextsDir;
    return { dirs: dir === undefined || dir === null ? [] : [dir] };
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
    const keys = () => [...this.contexts.keys()].filter((key) => (JSON.parse(key) as [string])[0] === name);
    const base = JSON.stringify([name, null, 'add']);
    let spec: ContextSpec;
    try {
      spec = await loadContext(name, this.contextLoadOptions);
    } catch (error) {
      if (!(error instanceof ContextError && error.code === 'VX_UNKNOWN_CONTEXT')) throw error;
      if (name !== this.options.defaultContext) for (const key of keys()) this.contexts.delete(key);
      this.pinnedContexts.delete(base);
      return 'removed';
    }
    const graph = compileContext(spec);
    const fresh: LoadedContext = { name, graph, decoding: this.acoustic.compile(graph) };
    const cached = keys();
    for (const key of cached) this.contexts.delete(key);
    this.contexts.set(base, Promise.resolve(fresh));
    this.pinnedContexts.add(base);
    return cached.length > 0 ? 'replaced' : 'checked';
  }

  /** A TTS voice (espeak-ng voice name), loaded once. */
  voice(name: string): Promise<CachedTts> {
    let v = this.voices.get(name);
    if (!v) {
      v = WorkerTts.load({ voice: name }).then((tts) => new CachedTts(tts));
      this.voices.set(name, v);
      v.catch(() => this.voices.delete(name));
    }
    return v;
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
    for (const v of this.voices.values()) await (await v.catch(() => null))?.close();
    await Promise.allSettled([this.acoustic.release(), this.vad.release(), this.fusionModel?.release()]);
  }
}
