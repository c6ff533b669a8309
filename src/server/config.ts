import {
  type RuntimeOptions,
  checkRuntimeOptions,
  defaultBudgets,
  defaultRuntimeOptions,
} from '../runtime/index.ts';
import { parseStaticTokens } from './access.ts';
import { trustedProxySet } from './clientAddress.ts';
import { defaultTokenMaxTtlSec, minSecretBytes } from './tokens.ts';

/**
 * Everything the server can be told at start-up: the runtime's options (models, batching, endpointing) and its
 * own (sockets, access, limits). CLI flags and environment variables map onto these.
 */
export interface ServerOptions extends RuntimeOptions {
  /** TCP port; 0 picks a free one. Default 8080 (or `PORT`). */
  port: number;
  /** Interface to listen on. Default '0.0.0.0'. */
  host: string;
  /**
   * Whether `start.context` may be a file path on the server rather than a bare name. Default false: a
   * client could otherwise make the server read any file it can (`/dev/zero` never ends).
   */
  allowContextPaths: boolean;
  /** Most open sessions; more are refused at the upgrade with HTTP 503. Default 200. */
  maxSessions: number;
  /** Most open sessions from one remote address; more are refused at the upgrade with HTTP 429. Default 32. */
  maxSessionsPerAddress: number;
  /**
   * Addresses of reverse proxies in front of the server (`--trust-proxy`): a connection from one of them counts
   * against the client address its `X-Forwarded-For` names, not the proxy's. Default none: the header is
   * ignored, since any client can send it.
   */
  trustProxy: readonly string[];
  /**
   * Static access tokens (`Authorization: Bearer …` or `?token=`); an entry `TOKEN:unlimited` lifts the
   * real-time audio limit. Default none. With no tokens and no `tokenSecret` the server is open (it warns).
   */
  tokens: readonly string[];
  /** Secret for HMAC-SHA256 signed tokens with expiry and session id (see tokens.ts), ≥ 16 bytes. Default null. */
  tokenSecret: string | null;
  /**
   * Longest lifetime of a signed token, seconds (`--token-max-ttl`): a token whose `exp` lies further ahead is
   * refused at the upgrade (401), so a leaked token cannot be valid for years. Default 86400 (24 h).
   */
  tokenMaxTtlSec: number;
  /** Origins browsers may connect from (`https://app.example.com`); others get HTTP 403. Default null: any. */
  allowedOrigins: readonly string[] | null;
  /** PEM private key and certificate files: with both, the server speaks HTTPS/WSS. Default null. */
  tlsKeyPath: string | null;
  tlsCertPath: string | null;
  /** Largest WebSocket message accepted, bytes; larger ones end the session (1009). Default 65536 (2 s of 16 kHz PCM). */
  maxMessageBytes: number;
  /** Longest session, ms; then it ends with `VX_SESSION_TIME_LIMIT`. Default 3600000 (1 h). */
  maxSessionMs: number;
  /** A session with no message either way for this long ends with `VX_IDLE_TIMEOUT`, ms. Default 30000. */
  idleTimeoutMs: number;
  /**
   * Audio a session may send ahead of real time, ms of audio: a bucket of this size refilled in real time.
   * Past it the session ends with `VX_AUDIO_RATE_EXCEEDED`, unless its token lifts the limit. Default 5000.
   */
  audioBurstMs: number;
  /** Sustained control messages (text frames) per second a session may send. Default 10. */
  controlRatePerSec: number;
  /** Control messages a session may send at once before the rate applies. Default 20. */
  controlBurst: number;
  /** Reply bytes a client may leave unread before the session ends with `VX_BACKPRESSURE`. Default 8 MiB. */
  maxUnsentBytes: number;
  /** Audio queued in a session (ms) at which the socket is paused until it drains to half. Default 2000. */
  ingestHighWaterMs: number;
  /** Interval of WebSocket pings; a client that misses one is dropped. Default 30000. */
  heartbeatMs: number;
  /** How long a closing socket may take before it is terminated, ms. Default 5000. */
  closeTimeoutMs: number;
  /** Speak replies by default. Default true. */
  replies: boolean;
  /** Log level: 'info' or 'debug' or 'silent'. Default 'info'. */
  logLevel: 'silent' | 'info' | 'debug';
}

export const defaultServerOptions: ServerOptions = {
  ...defaultRuntimeOptions,
  port: 8080,
  host: '0.0.0.0',
  allowContextPaths: false,
  maxSessions: 200,
  maxSessionsPerAddress: 32,
  tokens: [],
  tokenSecret: null,
  tokenMaxTtlSec: defaultTokenMaxTtlSec,
  allowedOrigins: null,
  trustProxy: [],
  tlsKeyPath: null,
  tlsCertPath: null,
  maxMessageBytes: 65536,
  maxSessionMs: 3_600_000,
  idleTimeoutMs: 30_000,
  audioBurstMs: 5000,
  controlRatePerSec: 10,
  controlBurst: 20,
  maxUnsentBytes: 8 * 1024 * 1024,
  ingestHighWaterMs: 2000,
  heartbeatMs: 30_000,
  closeTimeoutMs: 5000,
  replies: true,
  logLevel: 'info',
};

/** Merges options over the defaults and validates them; throws TypeError naming the bad field. */
export function resolveServerOptions(options: Partial<ServerOptions> = {}): ServerOptions {
  const o: ServerOptions = {
    ...defaultServerOptions,
    ...options,
    budgets: { ...defaultBudgets, ...options.budgets },
    slotLimits: { ...defaultServerOptions.slotLimits, ...options.slotLimits },
  };
  const int = (name: keyof ServerOptions, min: number, max: number) => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`server option ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  int('port', 0, 65535);
  int('maxSessions', 1, 100_000);
  int('maxSessionsPerAddress', 1, 100_000);
  int('maxMessageBytes', 1024, 16 * 1024 * 1024);
  int('maxSessionMs', 100, 7 * 24 * 3_600_000);
  int('idleTimeoutMs', 100, 24 * 3_600_000);
  int('audioBurstMs', 100, 3_600_000);
  int('controlRatePerSec', 1, 10_000);
  int('tokenMaxTtlSec', 1, 366 * 86_400);
  int('controlBurst', 1, 100_000);
  int('maxUnsentBytes', 1024, 1024 * 1024 * 1024);
  checkRuntimeOptions(o, 'server option');
  if (!Array.isArray(o.tokens) || !o.tokens.every((t) => typeof t === 'string'))
    throw new TypeError('server option tokens must be a list of strings');
  parseStaticTokens(o.tokens);
  if (
    o.tokenSecret !== null &&
    (typeof o.tokenSecret !== 'string' || Buffer.byteLength(o.tokenSecret) < minSecretBytes)
  ) {
    throw new TypeError(`server option tokenSecret must be a string of at least ${minSecretBytes} bytes`);
  }
  if (
    o.allowedOrigins !== null &&
    (!Array.isArray(o.allowedOrigins) ||
      !o.allowedOrigins.every((x) => typeof x === 'string' && x.length > 0))
  ) {
    throw new TypeError(
      'server option allowedOrigins must be null or a list of origins such as https://app.example.com',
    );
  }
  trustedProxySet(o.trustProxy);
  if ((o.tlsKeyPath === null) !== (o.tlsCertPath === null))
    throw new TypeError('server options tlsKeyPath and tlsCertPath must be given together');
  int('ingestHighWaterMs', 100, 60_000);
  int('heartbeatMs', 100, 3_600_000);
  int('closeTimeoutMs', 10, 60_000);
  if (!['silent', 'info', 'debug'].includes(o.logLevel))
    throw new TypeError('server option logLevel must be silent, info or debug');
  return o;
}
