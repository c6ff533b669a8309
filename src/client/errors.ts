/**
 * Codes carried by {@link ClientError}. These are raised on the client side only; the server's own codes
 * (`VX_BAD_AUDIO`, `VX_OVERLOADED`, ...) arrive as `error` events and, when one ends a session before
 * `ready`, are wrapped as `VX_START_FAILED` with the server's code in {@link ClientError.serverCode}.
 */
export type ClientErrorCode =
  /** The WebSocket could not be opened (refused, HTTP error, handshake timeout). */
  | 'VX_CONNECT_FAILED'
  /** The server answered `start` with an `error`, closed, or did not answer in time. */
  | 'VX_START_FAILED'
  /** A message or audio was sent while the socket was not open. */
  | 'VX_NOT_OPEN'
  /** The socket closed while an operation (send under backpressure, `start`) was waiting. */
  | 'VX_CLOSED'
  /** The caller's `AbortSignal` fired. */
  | 'VX_ABORTED';

/** A client-side failure of {@link VoxClient} or of the helpers that drive it. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  /** Stable machine-readable code. */
  readonly code: ClientErrorCode;
  /** The server's error code, when the failure is an `error` message from the server. */
  readonly serverCode: string | undefined;

  /**
   * @param code - stable machine-readable code
   * @param message - human-readable explanation
   * @param options - `cause`: the underlying error; `serverCode`: the server's code, if any
   */
  constructor(
    code: ClientErrorCode,
    message: string,
    options: { cause?: unknown; serverCode?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.serverCode = options.serverCode;
  }
}
