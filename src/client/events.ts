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

/** One binary message of reply audio, received between `tts_start` and `tts_end` of `utterance`. */
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

/**
 * A {@link FailoverClient} moved to a new connection after a go-away close (or gave up): what it sent again and
 * what it reports lost. Every utterance of the old connection that was not answered is in exactly one of the
 * two: its audio is part of `resentMs`, or its number is in `lost`.
 */
export interface FailoverEvent extends Received {
  readonly type: 'failover';
  /** The close code that ended the old connection (1001, 1006, 1012, 1013). */
  readonly closeCode: number;
  /** When the old connection closed (`performance.now()`, ms); `receivedAt` is when the move was done. */
  readonly closedAt: number;
  readonly reason: string;
  /** The new connection's index (1 for the first move), or null when the client gave up. */
  readonly connection: number | null;
  /** Connection attempts it took. */
  readonly attempts: number;
  /** Where the new connection's stream time 0 lies on the client's audio timeline, ms since its first chunk. */
  readonly originMs: number;
  /** Audio sent again on the new connection, ms. */
  readonly resentMs: number;
  /** Utterances of the old connection (the server's numbers) reported lost: not sent again. */
  readonly lost: readonly number[];
  /** The new connection's session id, or null when it gave up. */
  readonly session: string | null;
}

/** Everything {@link VoxClient.events} emits (and a {@link FailoverClient}'s `failover` events). */
export type ClientEvent = ReceivedMessage | AudioEvent | BadMessageEvent | FailoverEvent;

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
