/**
 * Every error code the Wyoming endpoint sends in an `error` event (`data.code`), with what it means and whether
 * the connection is closed after it. docs/wyoming.md lists the same table; a test checks that the two agree.
 * Errors of the shared pipeline (`VX_INFERENCE_FAILED`, `VX_OVERLOADED`, …, see PROTOCOL.md) pass through with
 * their own codes and end the request they belong to.
 */
export const wyomingErrorCodes = {
  VX_WY_BAD_EVENT: {
    close: true,
    meaning:
      'an event header is not a JSON object with a string `type`, its lengths are not whole numbers, or its data is not a JSON object',
  },
  VX_WY_TOO_LARGE: {
    close: true,
    meaning: 'an event header line, data block or payload is over its size limit (checked before it is read)',
  },
  VX_WY_BAD_DATA: {
    close: false,
    meaning:
      'an event has a field of the wrong kind or out of range (audio not 16-bit, an empty text, audio without `audio-start`)',
  },
  VX_WY_UNKNOWN_MODEL: {
    close: false,
    meaning: 'the model named in `transcribe` is not a context this server serves',
  },
  VX_WY_UNKNOWN_VOICE: { close: false, meaning: 'the voice named in `synthesize` is not one `info` lists' },
  VX_WY_BUSY: {
    close: true,
    meaning: 'the server is at its session limit, in all or for this address; try again later',
  },
  VX_WY_TTS_FAILED: { close: false, meaning: 'the text could not be synthesized' },
  VX_AUDIO_RATE_EXCEEDED: {
    close: true,
    meaning: 'audio arrived faster than real time beyond the burst allowance (`audioBurstMs`)',
  },
  VX_BACKPRESSURE: { close: true, meaning: 'the client stopped reading what the server sends' },
  VX_IDLE_TIMEOUT: { close: true, meaning: 'nothing was sent either way for the idle timeout' },
  VX_SESSION_TIME_LIMIT: { close: true, meaning: 'the connection reached the maximum session length' },
  VX_SHUTTING_DOWN: { close: true, meaning: 'the server is shutting down' },
  VX_INTERNAL: { close: true, meaning: 'an unexpected server error' },
} as const satisfies Record<string, { readonly close: boolean; readonly meaning: string }>;

/** A code of {@link wyomingErrorCodes}. */
export type WyomingErrorCode = keyof typeof wyomingErrorCodes;

/** An error the Wyoming endpoint reports to its client as an `error` event. */
export class WyomingError extends Error {
  override readonly name = 'WyomingError';

  constructor(
    readonly code: WyomingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether the connection is closed after this error is sent. */
  get closes(): boolean {
    return wyomingErrorCodes[this.code].close;
  }
}
