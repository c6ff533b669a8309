import type { ErrorCode } from '../protocol/index.ts';

/**
 * How a session ended, as `voxstream_sessions_total{end}` counts it: `normal` (the client stopped), `client_gone`
 * (it closed or vanished first: a close frame, a TCP reset, a missed ping), `timeout` (idle, session length,
 * token expiry), `drained` (the server shut down) and `error` (any other code that ended it).
 */
export type SessionEndReason = 'normal' | 'client_gone' | 'error' | 'timeout' | 'drained';

/** How a session ended: the reason, and the error code that ended it, where one did. */
export interface SessionEnd {
  readonly reason: SessionEndReason;
  readonly code?: ErrorCode;
}

const timeouts: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VX_IDLE_TIMEOUT',
  'VX_SESSION_TIME_LIMIT',
  'VX_TOKEN_EXPIRED',
]);

/** The ending of a session closed by the server with `code`. */
export function endedWith(code: ErrorCode): SessionEnd {
  const reason = code === 'VX_SHUTTING_DOWN' ? 'drained' : timeouts.has(code) ? 'timeout' : 'error';
  return { reason, code };
}

/** Prometheus labels of an ending: `end`, and `code` when an error code ended the session. */
export function endLabels(end: SessionEnd): Record<string, string> {
  return end.code === undefined ? { end: end.reason } : { end: end.reason, code: end.code };
}
