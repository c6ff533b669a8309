import type { ServerMessage } from '../protocol/index.ts';

/**
 * What flows through a session's graph: one stream item. (In voxstream "frame" means one 10 ms row of
 * acoustic features only; a WebSocket message is a "message", the CTC encoder's 40 ms output a "step".)
 * Audio and control travel in-band; every stage handles its own kinds
 * and passes the rest on unchanged, so events made early (an `error`, `speech_start`) reach the socket in order.
 */
export type StreamItem =
  | IngestItem
  | AudioItem
  | WindowItem
  | UtteranceItem
  | FeatureItem
  | TickItem
  | RecognizedItem
  | ReplyItem
  | ReplyDoneItem
  | ControlItem
  | EventItem
  | BinaryItem;

/** Raw bytes of one binary WebSocket message (PCM samples or one Opus packet). */
export interface IngestItem {
  readonly kind: 'ingest';
  readonly bytes: Uint8Array;
}

/** Mono PCM in [-1, 1]; `atMs` is the audio time of its first sample since the session's first sample. */
export interface AudioItem {
  readonly kind: 'audio';
  readonly pcm: Float32Array;
  readonly sampleRate: number;
  readonly atMs: number;
}

/** One 32 ms window of 16 kHz audio with the VAD's view of it. */
export interface WindowItem {
  readonly kind: 'window';
  readonly pcm: Float32Array;
  readonly atMs: number;
  /** Speech probability of this window. */
  readonly prob: number;
  /** Whether speech is on (after the VAD's hysteresis). */
  readonly speaking: boolean;
  /** Trailing non-speech so far, ms (0 while speaking). */
  readonly silenceMs: number;
}

/** Utterance boundaries, and audio that belongs to the utterance open. */
export type UtteranceItem =
  | { readonly kind: 'utteranceStart'; readonly utterance: number; readonly atMs: number }
  | {
      readonly kind: 'utteranceAudio';
      readonly utterance: number;
      readonly pcm: Float32Array;
      readonly atMs: number;
      readonly silenceMs: number;
    }
  | {
      readonly kind: 'utteranceEnd';
      readonly utterance: number;
      /** Audio time the speech ended (last speech window's end), ms. */
      readonly speechEndMs: number;
      readonly reason: 'silence' | 'endpoint' | 'maxLength' | 'stop' | 'cancel';
    };

/** A chunk of one utterance's features: `frames` rows of the acoustic model's feature size. */
export interface FeatureItem {
  readonly kind: 'features';
  readonly utterance: number;
  readonly feats: Float32Array;
  readonly frames: number;
  /** The front end's side data of the same frames, for the recognizer (e.g. cepstra before normalisation). */
  readonly side: Float32Array;
  /**
   * The utterance's 16 kHz audio the front end took in since the chunk before (all of it, in order, over the
   * utterance's chunks): what a second pass on other features (the noisy-utterance pass) starts from.
   */
  readonly pcm: Float32Array;
  /** Audio time at the end of the chunk, ms. */
  readonly endMs: number;
  /** Trailing non-speech at the end of the chunk, ms. */
  readonly silenceMs: number;
}

/** Utterance audio that did not complete a feature chunk: lets the endpointer act between chunks. */
export interface TickItem {
  readonly kind: 'tick';
  readonly utterance: number;
  /** Audio time reached, ms. */
  readonly endMs: number;
  /** Trailing non-speech at `endMs`, ms. */
  readonly silenceMs: number;
}

/** An utterance the recognizer has finished: what the intent stage decides on. */
export interface RecognizedItem {
  readonly kind: 'recognized';
  readonly utterance: number;
  readonly result: import('../asr/index.ts').RecognitionResult;
  /** Audio time the speech ended, ms. */
  readonly speechEndMs: number;
  readonly reason: 'silence' | 'endpoint' | 'maxLength' | 'stop';
}

/** An utterance's reply is finished (spoken, or nothing to speak): its stage timings are complete. */
export interface ReplyDoneItem {
  readonly kind: 'replyDone';
  readonly utterance: number;
  /** Audio time the speech ended, ms. */
  readonly speechEndMs: number;
}

/** Reply text to speak for an utterance. */
export interface ReplyItem {
  readonly kind: 'reply';
  readonly utterance: number;
  readonly text: string;
  /** Wall time (performance.now()) the utterance's speech ended, for latency metrics. */
  readonly speechEndWall: number;
  /** Audio time the speech ended, ms. */
  readonly speechEndMs: number;
}

/** Reply audio for the client: one binary WebSocket message (PCM chunk or one Opus packet). */
export interface BinaryItem {
  readonly kind: 'binary';
  readonly bytes: Uint8Array;
}

/** `flush`: drop the utterance in progress (client `cancel`); `end`: no more audio (client `stop`). */
export interface ControlItem {
  readonly kind: 'flush' | 'end';
}

/** A message for the client, made by some stage, passed along to the socket. */
export interface EventItem {
  readonly kind: 'event';
  readonly message: ServerMessage;
}

/** Shorthand for an event item. */
export function event(message: ServerMessage): EventItem {
  return { kind: 'event', message };
}
