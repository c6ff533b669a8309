/**
 * Codes carried by {@link TtsError}:
 * - `VX_TTS_TEXT`: the text is not a string or is longer than the limit.
 * - `VX_TTS_FAILED`: the synthesizer ran but failed (non-zero exit, missing or malformed WAV output).
 * - `VX_TTS_CLOSED`: the engine was closed.
 * - `VX_TTS_BUSY`: too many requests are already waiting for a synthesizer instance.
 */
export type TtsErrorCode = 'VX_TTS_TEXT' | 'VX_TTS_FAILED' | 'VX_TTS_CLOSED' | 'VX_TTS_BUSY';

/** Error raised by the text-to-speech stage. */
export class TtsError extends Error {
  override readonly name = 'TtsError';
  readonly code: TtsErrorCode;

  constructor(code: TtsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
