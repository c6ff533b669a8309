import type { ServerMessage } from '../protocol/messages.ts';

/** Stamp added by the client to everything it receives: `performance.now()` when the frame arrived, in ms. */
export interface Received {
  readonly receivedAt: number;
}

/** A JSON message from the server, as sent, plus its receive time. */
export type ReceivedMessage = ServerMessage & Received;

/** The server's `ready` answer to `start`. */
export type ReadyMessage = Extract<ServerMessage, { type: 'ready' }> & Received;

/** The server's `error` message. */
export type ErrorMessage = Extract<ServerMessage, { type: 'error' }> & Received;

/** One binary frame of reply audio, received between `tts_start` and `tts_end` of `utterance`. */
export interface AudioEvent extends Received {
  readonly type: 'audio';
  readonly utterance: number;
  /** PCM s16le bytes or one Opus packet, per the `tts_start` encoding. */
  readonly bytes: Uint8Array;
}

/** A text frame the client could not read (not JSON, no known `type`); it is reported, not dropped silently. */
export interface BadMessageEvent extends Received {
  readonly type: 'bad_message';
  /** Why it was rejected. */
  readonly reason: string;
  /** The start of the offending frame (at most 200 characters). */
  readonly excerpt: string;
}

/** Everything {@link VoxClient.events} emits. */
export type ClientEvent = ReceivedMessage | AudioEvent | BadMessageEvent;

/** Every `type` of {@link ServerMessage}; a text frame with another type becomes a {@link BadMessageEvent}. */
export const serverMessageTypes: ReadonlySet<string> = new Set<ServerMessage['type']>([
  'ready',
  'speech_start',
  'speech_end',
  'partial',
  'final',
  'intent',
  'reply',
  'tts_start',
  'tts_end',
  'tts_interrupted',
  'metrics',
  'budget_exceeded',
  'error',
  'end',
]);
