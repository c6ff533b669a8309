/** String codes carried by {@link AudioError}; each is listed in the protocol documentation. */
export type AudioErrorCode = 'VX_BAD_AUDIO' | 'VX_BAD_OPUS';

/**
 * Input audio could not be understood: a malformed or unsupported container (`VX_BAD_AUDIO`)
 * or an Opus packet the decoder rejected (`VX_BAD_OPUS`).
 */
export class AudioError extends Error {
  override readonly name = 'AudioError';
  /** Stable machine-readable code. */
  readonly code: AudioErrorCode;

  /**
   * @param code - stable machine-readable code
   * @param message - human-readable explanation (no raw audio in it)
   * @param options - `cause`: the underlying error, when there is one
   */
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
