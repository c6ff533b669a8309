/**
 * Every error code the server sends, with what it means and how the socket is closed (if it is).
 * PROTOCOL.md lists the same table; a test checks that the two agree.
 */
export const errorCodes = {
  VX_BAD_MESSAGE: { close: null, meaning: 'a control message is not valid JSON, has an unknown type, or a bad field' },
  VX_NOT_STARTED: { close: null, meaning: 'audio or a control message arrived before `start`; it was dropped' },
  VX_ALREADY_STARTED: { close: null, meaning: '`start` arrived while a session is running' },
  VX_UNSUPPORTED_AUDIO: { close: null, meaning: 'the audio encoding or sample rate in `start` is not supported' },
  VX_UNKNOWN_CONTEXT: { close: null, meaning: 'the context named in `start` does not exist or does not load' },
  VX_BAD_CONTEXT: { close: null, meaning: 'the context or the slot values in `start` are invalid' },
  VX_BAD_AUDIO: { close: null, meaning: 'a binary frame is not whole PCM samples; it was dropped' },
  VX_BAD_OPUS: { close: null, meaning: 'an Opus packet could not be decoded; it was dropped' },
  VX_FRAME_TOO_LARGE: { close: 1009, meaning: 'a WebSocket message exceeded the maximum frame size' },
  VX_UTTERANCE_TOO_LONG: { close: null, meaning: 'speech went on past the maximum utterance length; it was ended there' },
  VX_BACKPRESSURE: { close: 1008, meaning: 'the client sent audio faster than it could be processed for too long' },
  VX_OVERLOADED: { close: 1013, meaning: 'the server is at its session limit; try again later' },
  VX_TTS_FAILED: { close: null, meaning: 'the spoken reply could not be synthesized; the text reply was still sent' },
  VX_INFERENCE_FAILED: { close: null, meaning: 'a model failed while processing an utterance; that utterance ended with this error' },
  VX_SHUTTING_DOWN: { close: 1001, meaning: 'the server is shutting down' },
  VX_INTERNAL: { close: 1011, meaning: 'an unexpected server error ended the session' },
} as const;

/** A protocol error code. */
export type ErrorCode = keyof typeof errorCodes;

/** An error that reaches the client as an `error` message with a code. */
export class VoxError extends Error {
  override readonly name = 'VoxError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The WebSocket close code this error ends the session with, or null if the session goes on. */
  get closeCode(): number | null {
    return errorCodes[this.code].close;
  }
}
