import { type Device, devices } from '../inference/providers.ts';
import type { StageBudgets } from '../protocol/index.ts';

/** Everything the server can be told at start-up. CLI flags and environment variables map onto these. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one. Default 8080 (or `PORT`). */
  port: number;
  /** Interface to listen on. Default '0.0.0.0'. */
  host: string;
  /** Where models run. Default 'cpu'. */
  device: Device;
  /** Context used when `start` names none. Default 'smart_home' (shipped in models/contexts). */
  defaultContext: string;
  /** Most open sessions; more are refused at the upgrade with HTTP 503. Default 200. */
  maxSessions: number;
  /** Largest WebSocket message accepted, bytes. Default 65536 (2 s of 16 kHz PCM). */
  maxFrameBytes: number;
  /** Audio queued in a session (ms) at which the socket is paused until it drains to half. Default 2000. */
  ingestHighWaterMs: number;
  /** Default per-stage latency budgets, ms. */
  budgets: StageBudgets;
  /** Interval of WebSocket pings; a client that misses one is dropped. Default 30000. */
  heartbeatMs: number;
  /** How long a closing socket may take before it is terminated, ms. Default 5000. */
  closeTimeoutMs: number;
  /** Speak replies by default. Default true. */
  replies: boolean;
  /** Paths of the models (defaults: the shipped ones in models/). */
  asrModelPath?: string;
  fusionModelPath?: string;
  /** Log level: 'info' or 'debug' or 'silent'. Default 'info'. */
  logLevel: 'silent' | 'info' | 'debug';
}

export const defaultBudgets: StageBudgets = { intent: 300, firstAudio: 450, asr: 100, fusion: 30, tts: 200 };

export const defaultServerOptions: ServerOptions = {
  port: 8080,
  host: '0.0.0.0',
  device: 'cpu',
  defaultContext: 'smart_home',
  maxSessions: 200,
  maxFrameBytes: 65536,
  ingestHighWaterMs: 2000,
  budgets: defaultBudgets,
  heartbeatMs: 30_000,
  closeTimeoutMs: 5000,
  replies: true,
  logLevel: 'info',
};

/** Merges options over the defaults and validates them; throws TypeError naming the bad field. */
export function resolveServerOptions(options: Partial<ServerOptions> = {}): ServerOptions {
  const o: ServerOptions = { ...defaultServerOptions, ...options, budgets: { ...defaultBudgets, ...options.budgets } };
  const int = (name: keyof ServerOptions, min: number, max: number) => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`server option ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  int('port', 0, 65535);
  int('maxSessions', 1, 100_000);
  int('maxFrameBytes', 1024, 16 * 1024 * 1024);
  int('ingestHighWaterMs', 100, 60_000);
  int('heartbeatMs', 100, 3_600_000);
  int('closeTimeoutMs', 10, 60_000);
  if (!devices.includes(o.device)) throw new TypeError(`server option device must be one of ${devices.join(', ')}`);
  for (const [stage, ms] of Object.entries(o.budgets)) {
    if (typeof ms !== 'number' || !(ms > 0)) throw new TypeError(`server option budgets.${stage} must be a positive number`);
  }
  if (!['silent', 'info', 'debug'].includes(o.logLevel)) throw new TypeError('server option logLevel must be silent, info or debug');
  return o;
}
