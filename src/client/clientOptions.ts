/** Options of {@link VoxClient.connect}. */
export interface VoxClientOptions {
  /** Access token. Sent as `Authorization: Bearer <token>`, or as the `token` query parameter (see `tokenVia`). */
  token?: string;
  /** Where `token` goes. Default `'header'` (it then stays out of URLs and server access logs). */
  tokenVia: 'header' | 'query';
  /** Extra HTTP headers for the upgrade request. Default none. */
  headers: Readonly<Record<string, string>>;
  /** Aborts the connect; after it, closes the client (code 1001). */
  signal?: AbortSignal;
  /** Time allowed for the WebSocket handshake, in ms. Default 10000. */
  connectTimeoutMs: number;
  /** Time {@link VoxClient.start} waits for `ready`, in ms. Default 10000. */
  startTimeoutMs: number;
  /**
   * Send-side backpressure: when `ws.bufferedAmount` exceeds this many bytes after a send,
   * {@link VoxClient.sendAudio} resolves only once the socket has flushed. Default 65536 (2 s of 16 kHz PCM).
   */
  highWaterMarkBytes: number;
  /** After {@link VoxClient.close}, the socket is terminated if the closing handshake takes longer, in ms. Default 5000. */
  closeTimeoutMs: number;
  /** Events kept for the first subscriber of `events` when they arrive before anyone subscribed. Default 256. */
  maxPendingEvents: number;
}

/** Defaults of {@link VoxClientOptions}. */
export const defaultVoxClientOptions: Readonly<Omit<VoxClientOptions, 'token' | 'signal'>> = Object.freeze({
  tokenVia: 'header',
  headers: {},
  connectTimeoutMs: 10_000,
  startTimeoutMs: 10_000,
  highWaterMarkBytes: 65_536,
  closeTimeoutMs: 5_000,
  maxPendingEvents: 256,
});

/**
 * Merges `options` over {@link defaultVoxClientOptions} and validates the result.
 * @throws TypeError naming the bad field
 */
export function resolveVoxClientOptions(options: Partial<VoxClientOptions>): VoxClientOptions {
  const merged: VoxClientOptions = { ...defaultVoxClientOptions, ...options };
  if (merged.tokenVia !== 'header' && merged.tokenVia !== 'query') {
    throw new TypeError(`tokenVia must be 'header' or 'query', got ${String(merged.tokenVia)}`);
  }
  for (const field of ['connectTimeoutMs', 'startTimeoutMs', 'closeTimeoutMs'] as const) {
    if (!(merged[field] > 0))
      throw new TypeError(`${field} must be a positive number of ms, got ${merged[field]}`);
  }
  for (const field of ['highWaterMarkBytes', 'maxPendingEvents'] as const) {
    if (!Number.isInteger(merged[field]) || merged[field] < 0) {
      throw new TypeError(`${field} must be a non-negative integer, got ${merged[field]}`);
    }
  }
  if (merged.token !== undefined && merged.token.length === 0) throw new TypeError('token must not be empty');
  return merged;
}
