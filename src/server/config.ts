import { type Device, devices } from '../inference/providers.ts';
import type { VoiceOptions } from '../pipeline/detectVoice.ts';
import type { RecognizeOptions } from '../pipeline/recognize.ts';
import type { SegmentOptions } from '../pipeline/segmentUtterances.ts';
import type { UnderstandOptions } from '../pipeline/understand.ts';
import type { StageBudgets } from '../protocol/index.ts';
import { parseStaticTokens } from './access.ts';
import { minSecretBytes } from './tokens.ts';

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
   * Static access tokens (`Authorization: Bearer …` or `?token=`); an entry `TOKEN:unlimited` lifts the
   * real-time audio limit. Default none. With no tokens and no `tokenSecret` the server is open (it warns).
   */
  tokens: readonly string[];
  /** Secret for HMAC-SHA256 signed tokens with expiry and session id (see tokens.ts), ≥ 16 bytes. Default null. */
  tokenSecret: string | null;
  /** Origins browsers may connect from (`https://app.example.com`); others get HTTP 403. Default null: any. */
  allowedOrigins: readonly string[] | null;
  /** PEM private key and certificate files: with both, the server speaks HTTPS/WSS. Default null. */
  tlsKeyPath: string | null;
  tlsCertPath: string | null;
  /** Largest WebSocket message accepted, bytes; larger ones end the session (1009). Default 65536 (2 s of 16 kHz PCM). */
  maxFrameBytes: number;
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
  /** Longest utterance, ms; speech past it is cut there (`VX_UTTERANCE_TOO_LONG`). Default 15000. */
  maxUtteranceMs: number;
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
  /**
   * Most requests of one model run (ASR, VAD, fusion) that the cross-session batcher puts together; 1 turns
   * batching off. Default 256 (each model has its own cap: ASR 256, VAD 256, fusion 128).
   */
  maxBatch: number;
  /**
   * Where CPU model runs happen: 'worker' (default) gives each model its own worker thread, so runs overlap
   * with the event loop's socket, feature and decoding work and with each other; 'main' runs them on the
   * event loop (onnxruntime-node's runs are synchronous). GPU providers always run on the main thread.
   */
  inferenceThreads: 'worker' | 'main';
  /**
   * Endpointing and decision thresholds, per stage (defaults in each operator's file): VAD on/off
   * probabilities, trailing silence that ends an utterance, the early-endpoint silence and likelihood ratio,
   * the accept threshold of the intent decision.
   */
  endpointing: EndpointingOptions;
  /** Paths of the models (defaults: the shipped ones in models/). */
  asrModelPath?: string;
  /**
   * The audio–text fusion model for a second pass over the parses (`defaultFusionModelPath` is the shipped
   * one); absent or null: none, the CTC likelihood ratio decides (the default; see models/fusion/README.md).
   */
  fusionModelPath?: string | null;
  /** Log level: 'info' or 'debug' or 'silent'. Default 'info'. */
  logLevel: 'silent' | 'info' | 'debug';
}

export interface EndpointingOptions {
  voice?: Partial<Pick<VoiceOptions, 'onThreshold' | 'offThreshold' | 'minSpeechMs'>>;
  segment?: Partial<Pick<SegmentOptions, 'preRollMs' | 'endSilenceMs'>>;
  recognize?: Partial<Pick<RecognizeOptions, 'earlySilenceMs' | 'extendableSilenceMs' | 'earlyMinRatio'>>;
  understand?: Partial<Pick<UnderstandOptions, 'acceptThreshold' | 'candidates' | 'confidence'>>;
}

export const defaultBudgets: StageBudgets = { intent: 300, firstAudio: 450, asr: 100, fusion: 30, tts: 200 };

export const defaultServerOptions: ServerOptions = {
  port: 8080,
  host: '0.0.0.0',
  device: 'cpu',
  defaultContext: 'smart_home',
  allowContextPaths: false,
  maxSessions: 200,
  maxSessionsPerAddress: 32,
  tokens: [],
  tokenSecret: null,
  allowedOrigins: null,
  tlsKeyPath: null,
  tlsCertPath: null,
  maxFrameBytes: 65536,
  maxSessionMs: 3_600_000,
  idleTimeoutMs: 30_000,
  audioBurstMs: 5000,
  controlRatePerSec: 10,
  controlBurst: 20,
  maxUnsentBytes: 8 * 1024 * 1024,
  maxUtteranceMs: 15_000,
  ingestHighWaterMs: 2000,
  budgets: defaultBudgets,
  heartbeatMs: 30_000,
  closeTimeoutMs: 5000,
  replies: true,
  maxBatch: 256,
  inferenceThreads: 'worker',
  endpointing: {},
  logLevel: 'info',
};

/** Merges options over the defaults and validates them; throws TypeError naming the bad field. */
export function resolveServerOptions(options: Partial<ServerOptions> = {}): ServerOptions {
  const o: ServerOptions = {
    ...defaultServerOptions,
    ...options,
    budgets: { ...defaultBudgets, ...options.budgets },
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
  int('maxFrameBytes', 1024, 16 * 1024 * 1024);
  int('maxSessionMs', 100, 7 * 24 * 3_600_000);
  int('idleTimeoutMs', 100, 24 * 3_600_000);
  int('audioBurstMs', 100, 3_600_000);
  int('controlRatePerSec', 1, 10_000);
  int('controlBurst', 1, 100_000);
  int('maxUnsentBytes', 1024, 1024 * 1024 * 1024);
  int('maxUtteranceMs', 500, 600_000);
  int('maxBatch', 1, 4096);
  if (o.inferenceThreads !== 'worker' && o.inferenceThreads !== 'main')
    throw new TypeError(
      `server option inferenceThreads must be 'worker' or 'main', got ${String(o.inferenceThreads)}`,
    );
  checkEndpointing(o.endpointing);
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
  if ((o.tlsKeyPath === null) !== (o.tlsCertPath === null))
    throw new TypeError('server options tlsKeyPath and tlsCertPath must be given together');
  int('ingestHighWaterMs', 100, 60_000);
  int('heartbeatMs', 100, 3_600_000);
  int('closeTimeoutMs', 10, 60_000);
  if (!devices.includes(o.device))
    throw new TypeError(`server option device must be one of ${devices.join(', ')}`);
  for (const [stage, ms] of Object.entries(o.budgets)) {
    if (typeof ms !== 'number' || !(ms > 0))
      throw new TypeError(`server option budgets.${stage} must be a positive number`);
  }
  if (!['silent', 'info', 'debug'].includes(o.logLevel))
    throw new TypeError('server option logLevel must be silent, info or debug');
  return o;
}

/**
 * Checks that every endpointing threshold given is a finite number (each operator documents its range), and
 * `understand.confidence` one of its two names.
 */
function checkEndpointing(e: EndpointingOptions): void {
  if (typeof e !== 'object' || e === null) throw new TypeError('server option endpointing must be an object');
  for (const [stage, values] of Object.entries(e)) {
    if (!['voice', 'segment', 'recognize', 'understand'].includes(stage))
      throw new TypeError(
        `server option endpointing.${stage} is not a stage (voice, segment, recognize, understand)`,
      );
    for (const [name, v] of Object.entries(values as object)) {
      if (stage === 'understand' && name === 'confidence') {
        if (v !== 'ratio' && v !== 'fusion')
          throw new TypeError(`server option endpointing.understand.confidence must be 'ratio' or 'fusion'`);
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`server option endpointing.${stage}.${name} must be a number`);
    }
  }
}
