import type { SessionClock } from '../metrics/index.ts';
import type { SessionGraphParts, SpeechSynthesizer } from '../pipeline/index.ts';
import type { AudioEncoding, StageBudgets, UtteranceMetrics } from '../protocol/index.ts';
import type { Engine, LoadedContext } from './engine.ts';

/** What one session asks for (from its `start` message, or from `infer`'s flags). */
export interface SessionSetup {
  readonly audio: { readonly encoding: AudioEncoding; readonly sampleRate: number };
  readonly context: LoadedContext;
  readonly tts: SpeechSynthesizer;
  readonly reply: {
    readonly enabled: boolean;
    readonly encoding: AudioEncoding;
    readonly sampleRate: number;
  };
  readonly partials: boolean;
  readonly budgets: StageBudgets;
  readonly clock: SessionClock;
  readonly onMetrics?: (metrics: UtteranceMetrics) => void;
  readonly onProgress?: (audioMs: number) => void;
  /**
   * The whole input is already in memory (`infer`): it arrives at once, far faster than real time, so the
   * per-stage queue backstops, sized for live streams, would fail any file longer than about 8 s. Off by default.
   */
  readonly offline?: boolean;
  /** The transport the session came by, the `transport` label of its stage metrics. Default 'websocket'. */
  readonly transport?: 'websocket' | 'wyoming';
}

/** Assembles one session's graph parts over the engine's shared models: the server and `infer` use this alike. */
export function sessionParts(engine: Engine, setup: SessionSetup): SessionGraphParts {
  return {
    audio: setup.audio,
    vad: engine.voiceScorer(),
    denoiser: engine.denoiser(),
    features: engine.acoustic.features(),
    recognizer: setup.context.decoding.recognizer(),
    context: setup.context.graph,
    scorer: engine.fusion,
    tts: setup.tts,
    clock: setup.clock,
    speak: { ...setup.reply },
    budgets: { ...setup.budgets },
    voice: { ...engine.options.endpointing.voice, ...(setup.offline ? { maxQueuedWindows: Infinity } : {}) },
    recognize: {
      ...engine.acoustic.recognize,
      ...engine.options.endpointing.recognize,
      partials: setup.partials,
      ...(setup.offline ? { maxQueuedChunks: Infinity } : {}),
    },
    segment: { ...engine.options.endpointing.segment, maxUtteranceMs: engine.options.maxUtteranceMs },
    understand: { ...engine.understandOptions },
    ...(setup.onProgress ? { onProgress: setup.onProgress } : {}),
    onMetrics: (m) => {
      const transport = setup.transport ?? 'websocket';
      for (const [stage, ms] of Object.entries(m.stages))
        engine.metrics.stageMs.observe(ms, { stage, transport });
      for (const stage of m.exceeded) engine.metrics.budgetExceeded.inc({ stage, transport });
      setup.onMetrics?.(m);
    },
  };
}
