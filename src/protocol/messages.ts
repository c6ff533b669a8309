/** Version of the protocol described in PROTOCOL.md; `ready` reports it. */
export const protocolVersion = 1;

/** Audio encodings a client may stream. */
export type AudioEncoding = 'pcm_s16le' | 'opus';

/** Sample rates accepted for `pcm_s16le` input, in Hz. */
export const pcmInputRates = [8000, 16000, 44100, 48000] as const;
/** Sample rates accepted for `opus` input and output, in Hz (Opus decodes at these natively). */
export const opusRates = [8000, 12000, 16000, 24000, 48000] as const;
/** Sample rates of reply audio as `pcm_s16le`, in Hz. */
export const pcmOutputRates = [8000, 16000, 22050, 24000, 44100, 48000] as const;

/** Per-stage latency budgets in milliseconds (see README "Latency budgets"). */
export interface StageBudgets {
  /** Speech end → `intent`. */
  intent: number;
  /** Speech end → first reply audio byte. */
  firstAudio: number;
  /** The slowest ASR chunk of an utterance (160 ms of audio), queue wait included. */
  asr: number;
  /** Fusion scoring of the candidates. */
  fusion: number;
  /** Synthesis of the first reply sentence. */
  tts: number;
}

/** `start`: opens a listening session. */
export interface StartMessage {
  readonly type: 'start';
  readonly audio: { readonly encoding: AudioEncoding; readonly sampleRate: number };
  /** Context name (in the server's `--contexts` folder, or shipped) or a path the server can read. Default: server's. */
  readonly context?: string;
  /** Slot values for this session only: slot type → values. */
  readonly slots?: Readonly<Record<string, readonly string[]>>;
  /** Whether `slots` adds to (default) or replaces the context's values. */
  readonly slotMode?: 'add' | 'replace';
  /** Spoken reply settings; `enabled: false` sends text replies only. */
  readonly reply?: {
    readonly enabled?: boolean;
    readonly encoding?: AudioEncoding;
    readonly sampleRate?: number;
    readonly voice?: string;
  };
  /** Send `partial` transcripts while speaking. Default true. */
  readonly partials?: boolean;
  /** Overrides of the server's stage budgets for this session. */
  readonly budgets?: Partial<StageBudgets>;
}

/** `stop`: no more audio; the current utterance is finished, then the server closes with 1000. */
export interface StopMessage {
  readonly type: 'stop';
}

/** `cancel`: drop the current utterance and any reply in progress; the session keeps listening. */
export interface CancelMessage {
  readonly type: 'cancel';
}

/** Control messages a client sends as JSON text frames. */
export type ClientMessage = StartMessage | StopMessage | CancelMessage;

/** Per-stage timings of one utterance, in milliseconds since its `speech_end` (negative: before it). */
export interface UtteranceMetrics {
  readonly utterance: number;
  /** Audio time of speech start and end, ms since the session's first sample. */
  readonly speechStartMs: number;
  readonly speechEndMs: number;
  /** Stage name → ms spent (asr, decode, fusion, tts...) or ms after speech end (intent, firstAudio). */
  readonly stages: Readonly<Record<string, number>>;
  readonly budgets: Readonly<Record<string, number>>;
  readonly exceeded: readonly string[];
}

/** Messages the server sends as JSON text messages (reply audio goes as binary messages between tts_start/end). */
export type ServerMessage =
  | {
      readonly type: 'ready';
      readonly protocol: number;
      readonly session: string;
      readonly context: { readonly name: string; readonly intents: readonly string[] };
      readonly audio: { readonly encoding: AudioEncoding; readonly sampleRate: number };
      readonly reply: {
        readonly enabled: boolean;
        readonly encoding: AudioEncoding;
        readonly sampleRate: number;
      };
      /**
       * How far ahead of real time the session's audio may run, ms (the burst allowance): audio past it ends
       * the session with `VX_AUDIO_RATE_EXCEEDED`, so a client sending faster than real time paces itself
       * within it. Null when the session's token lifts the limit.
       */
      readonly audioBurstMs: number | null;
      /** The reply voices the server offers (`start.reply.voice` must be one of them), the default first. */
      readonly voices: readonly string[];
    }
  | { readonly type: 'speech_start'; readonly utterance: number; readonly atMs: number }
  | { readonly type: 'speech_end'; readonly utterance: number; readonly atMs: number }
  | {
      readonly type: 'partial';
      readonly utterance: number;
      readonly text: string;
      /** Audio time the partial covers up to, ms: the client can measure how far partials lag its audio. */
      readonly atMs: number;
    }
  | {
      readonly type: 'final';
      readonly utterance: number;
      readonly text: string;
      /**
       * Present (true) when the transcript came from the utterance's denoised audio: the noisy-utterance pass
       * of `--denoise auto`, which decodes an utterance that measured noisy again after RNNoise.
       */
      readonly denoised?: true;
    }
  | {
      readonly type: 'intent';
      readonly utterance: number;
      readonly understood: boolean;
      readonly intent: string | null;
      readonly slots: Readonly<Record<string, string>>;
      readonly confidence: number;
      /**
       * The words of the parse decided on (the second pass may change a slot the `final` transcript had),
       * or the first pass's best path when no complete parse was found.
       */
      readonly transcript: string;
    }
  | { readonly type: 'reply'; readonly utterance: number; readonly text: string }
  | {
      readonly type: 'tts_start';
      readonly utterance: number;
      readonly encoding: AudioEncoding;
      readonly sampleRate: number;
    }
  | { readonly type: 'tts_end'; readonly utterance: number; readonly bytes: number }
  | { readonly type: 'tts_interrupted'; readonly utterance: number }
  | ({ readonly type: 'metrics' } & UtteranceMetrics)
  | {
      readonly type: 'budget_exceeded';
      readonly utterance: number;
      readonly stage: string;
      readonly ms: number;
      readonly budgetMs: number;
    }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly fatal: boolean;
      readonly utterance?: number;
    }
  | { readonly type: 'end'; readonly utterances: number };
