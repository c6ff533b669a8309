/**
 * Every error code the server sends, with what it means and how the socket is closed (if it is).
 * PROTOCOL.md lists the same table; a test checks that the two agree.
 */
export const errorCodes = {
  VX_BAD_MESSAGE: {
    close: null,
    meaning: 'a control message is not valid JSON, has an unknown type, or a bad field',
  },
  VX_NOT_STARTED: {
    close: null,
    meaning: 'audio or a control message arrived before `start` (or after `stop`); it was dropped',
  },
  VX_ALREADY_STARTED: { close: null, meaning: '`start` arrived while a session is running' },
  VX_UNSUPPORTED_AUDIO: {
    close: null,
    meaning: 'the audio encoding or sample rate in `start` is not supported',
  },
  VX_UNKNOWN_CONTEXT: {
    close: null,
    meaning: 'the context named in `start` does not exist or does not load',
  },
  VX_BAD_CONTEXT: { close: null, meaning: 'the context or the slot values in `start` are invalid' },
  VX_BAD_VOICE: {
    close: null,
    meaning: '`start.reply.voice` is not one of the voices the server offers (`ready.voices`, `GET /voices`)',
  },
  VX_BAD_AUDIO: {
    close: null,
    meaning:
      'a binary message is not whole PCM samples; it was dropped. A flood of undecodable messages (over 50 at once, then 5 a second) ends the session with this code, fatal, close 1008',
  },
  VX_BAD_OPUS: { close: null, meaning: 'an Opus packet could not be decoded; it was dropped' },
  VX_FRAME_TOO_LARGE: { close: 1009, meaning: 'a WebSocket message exceeded the maximum frame size' },
  VX_UTTERANCE_TOO_LONG: {
    close: null,
    meaning: 'speech went on past the maximum utterance length; it was ended there',
  },
  VX_BACKPRESSURE: {
    close: 1008,
    meaning:
      'the client sent audio faster than it could be processed for too long, or stopped reading replies',
  },
  VX_AUDIO_RATE_EXCEEDED: {
    close: 1008,
    meaning: 'audio arrived faster than real time beyond the burst allowance (a token may lift this limit)',
  },
  VX_CONTROL_RATE_EXCEEDED: {
    close: 1008,
    meaning: 'control messages arrived faster than the server allows',
  },
  VX_OVERLOADED: { close: 1013, meaning: "the server's model queues are full; try again later" },
  VX_TTS_FAILED: {
    close: null,
    meaning: 'the spoken reply could not be synthesized; the text reply was still sent',
  },
  VX_INFERENCE_FAILED: {
    close: null,
    meaning:
      'a model failed while processing an utterance; that utterance ended with this error (when the voice detector fails, the session ends: 1011)',
  },
  VX_CANCELLED: { close: null, meaning: 'the client cancelled the utterance; it ended without an answer' },
  VX_IDLE_TIMEOUT: {
    close: 1000,
    meaning: 'nothing was sent either way for the idle timeout; the session was closed',
  },
  VX_SESSION_TIME_LIMIT: { close: 1000, meaning: 'the session reached its maximum length and was closed' },
  VX_TOKEN_EXPIRED: {
    close: 1008,
    meaning: 'the signed token the session was opened with expired (its `exp`); connect again with a new one',
  },
  VX_SHUTTING_DOWN: { close: 1001, meaning: 'the server is shutting down' },
  VX_INTERNAL: { close: 1011, meaning: 'an unexpected server error ended the session' },
} as const;

/** A protocol error code. */
export type ErrorCode = keyof typeof errorCodes;

/**
 * Codes that may name an utterance without ending it: `VX_UTTERANCE_TOO_LONG` comes before that utterance's
 * answer, `VX_TTS_FAILED` after its `intent`. Any other `error` that carries `utterance` is its one ending.
 */
export const utteranceNotices: ReadonlySet<string> = new Set<ErrorCode>([
  'VX_UTTERANCE_TOO_LONG',
  'VX_TTS_FAILED',
]);

/** Whether an `error` message with this code and `utterance` is that utterance's ending (instead of an `intent`). */
export function endsUtterance(message: { readonly code: string; readonly utterance?: number }): boolean {
  return message.utterance !== undefined && !utteranceNotices.has(message.code);
}

/** An error that reaches the client as an `error` message with a code. */
export class VoxError extends Error {
  override readonly name = 'VoxError';
  readonly #close: number | undefined;

  /**
   * @param options.close - the close code when this error ends a session although its code alone does not
   *   (a flood of undecodable messages ends it with `VX_BAD_AUDIO`, 1008); default the code's own
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; close?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.#close = options?.close;
  }

  /** The WebSocket close code this error ends the session with, or null if the session goes on. */
  get closeCode(): number | null {
    return this.#close ?? errorCodes[this.code].close;
  }
}
