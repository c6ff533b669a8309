import type { HmmGraph, UtteranceRecognizer } from '../asr/index.ts';
import type { ContextGraph } from '../context/index.ts';
import type { FeatureStream, RecognizeOptions, UnderstandOptions } from '../pipeline/index.ts';

/** The acoustic models voxstream can decode with. */
export const acousticModels = ['cmu', 'ctc'] as const;

/**
 * `cmu`: CMU Sphinx's en-us triphone model, trained on real speech (models/am-en-us), with its own front end
 * and a triphone HMM search of the context. `ctc`: voxstream's own phone-CTC encoder (models/asr), trained
 * mostly on synthesized voices; the fusion model reads its frames.
 */
export type AcousticModelName = (typeof acousticModels)[number];

/** A context compiled for one acoustic model: what makes each session's recognizer. */
export interface CompiledContext {
  /** Words outside the lexicon, pronounced by rule. */
  readonly guessedWords: readonly string[];
  /** A recognizer of this context for one session (its decoder state; the model is shared and batched). */
  recognizer(): UtteranceRecognizer;
}

/**
 * One acoustic model as the runtime uses it: loaded once, its runs batched across sessions, a front end per
 * session, and the decision defaults on the scale of its own confidence (each model's likelihood ratio has
 * its own units).
 */
export interface AcousticBackend {
  readonly name: AcousticModelName;
  readonly provider: string;
  readonly providerReason: string;
  /** Compiles a context's word graph into this model's decoding graph (on the calling thread). */
  compile(graph: ContextGraph): CompiledContext;
  /**
   * For a model whose decoding graph a worker thread can compile (the CMU model's triphone HMM graph): the
   * model folder the worker loads its tables from, and how the graph it sends back becomes a compiled context.
   * Null: contexts are compiled with {@link compile}.
   */
  readonly offThread: {
    readonly modelDir: string;
    adopt(hmm: HmmGraph): CompiledContext;
  } | null;
  /** One session's feature extractor. */
  features(): FeatureStream;
  /** Defaults of the intent decision for this model's confidence (a session's options override them). */
  readonly understand: Partial<UnderstandOptions>;
  /** Defaults of the early endpoint for this model's likelihood ratio. */
  readonly recognize: Partial<RecognizeOptions>;
  /** Chunks waiting for the model now (all sessions). */
  queued(): number;
  release(): Promise<void>;
}

/** The shared models whose runs go through a cross-session batcher. */
export type SharedModel = 'asr' | 'vad' | 'fusion';

/**
 * Wraps each batched run of a shared model: it must call `run` (once) or settle otherwise. A run that rejects
 * fails every request in its batch, as a model failing at run time would; tests inject faults this way.
 */
export type ModelRunWrapper = <T>(model: SharedModel, run: () => Promise<T>) => Promise<T>;
