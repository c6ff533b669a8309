import { performance } from 'node:perf_hooks';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  float32ToInt16,
  int16ToBytes,
  OpusEncoderStream,
  Resampler,
  type DecodedAudio,
} from '../audio/index.ts';
import { opusRates, pcmInputRates, type AudioEncoding } from '../protocol/messages.ts';
import { ClientError } from './errors.ts';

/** Duration of every chunk {@link prepareAudio} makes, in ms (one Opus packet, or 20 ms of PCM). */
export const CHUNK_MS = 20;

/** Options of {@link prepareAudio}. */
export interface AudioSourceOptions {
  /** Wire encoding. Default `'pcm_s16le'`. */
  encoding: AudioEncoding;
  /**
   * Wire sample rate in Hz. Default: the file's rate when the server accepts it for `encoding`
   * (`pcmInputRates` / `opusRates`), else 16000. The audio is resampled when it differs from the file's.
   */
  sampleRate?: number;
  /** Silence appended after the file so the server's VAD sees the end of speech, in ms. Default 1000. */
  trailingSilenceMs: number;
  /** A chunk counts as sound when its RMS level is above this, in dBFS (for `speechEndChunk`). Default -50. */
  silenceThresholdDb: number;
  /** Opus only: bitrate in bit/s. Default 32000. */
  opusBitrate: number;
}

/** Defaults of {@link AudioSourceOptions}. */
export const defaultAudioSourceOptions: Readonly<AudioSourceOptions> = Object.freeze({
  encoding: 'pcm_s16le',
  trailingSilenceMs: 1000,
  silenceThresholdDb: -50,
  opusBitrate: 32000,
});

/** Audio cut into wire frames, ready for {@link streamAudio}. */
export interface AudioChunks {
  /** What to put in `start.audio`. */
  readonly encoding: AudioEncoding;
  readonly sampleRate: number;
  /** Duration of each chunk, in ms. */
  readonly chunkMs: number;
  /** One binary WebSocket message each: 20 ms of PCM s16le (the last may be shorter), or one Opus packet. */
  readonly chunks: readonly Uint8Array[];
  /** Chunks that carry the file's audio; the rest are the appended silence. */
  readonly audioChunks: number;
  /** Index of the last chunk whose level is above `silenceThresholdDb`; -1 when the file is all silence. */
  readonly speechEndChunk: number;
}

function defaultRate(fileRate: number, encoding: AudioEncoding): number {
  const accepted: readonly number[] = encoding === 'opus' ? opusRates : pcmInputRates;
  return accepted.includes(fileRate) ? fileRate : 16000;
}

function resolve(fileRate: number, options: Partial<AudioSourceOptions>): Required<AudioSourceOptions> {
  const merged = { ...defaultAudioSourceOptions, ...options };
  const { encoding } = merged;
  if (encoding !== 'pcm_s16le' && encoding !== 'opus') {
    throw new TypeError(`encoding must be 'pcm_s16le' or 'opus', got ${String(encoding)}`);
  }
  const sampleRate = merged.sampleRate ?? defaultRate(fileRate, encoding);
  const accepted: readonly number[] = encoding === 'opus' ? opusRates : pcmInputRates;
  if (!accepted.includes(sampleRate)) {
    throw new TypeError(
      `sampleRate for ${encoding} must be one of ${accepted.join(', ')} Hz, got ${sampleRate}`,
    );
  }
  if (!(merged.trailingSilenceMs >= 0)) {
    throw new TypeError(`trailingSilenceMs must be >= 0, got ${merged.trailingSilenceMs}`);
  }
  return { ...merged, sampleRate };
}

/** Index of the last `frameSamples`-long frame of `pcm` whose RMS exceeds `thresholdDb` dBFS, or -1. */
function lastSoundFrame(pcm: Float32Array, frameSamples: number, thresholdDb: number): number {
  const threshold = 10 ** (thresholdDb / 20);
  for (let frame = Math.ceil(pcm.length / frameSamples) - 1; frame >= 0; frame--) {
    const start = frame * frameSamples;
    const end = Math.min(pcm.length, start + frameSamples);
    let energy = 0;
    for (let i = start; i < end; i++) energy += (pcm[i] as number) ** 2;
    if (Math.sqrt(energy / (end - start)) > threshold) return frame;
  }
  return -1;
}

/**
 * Converts a decoded file into the wire format: resampled if needed, cut into 20 ms PCM s16le chunks or
 * encoded into 20 ms Opus packets, with `trailingSilenceMs` of silence appended.
 * @param audio - mono Float32Array PCM in [-1, 1] and its sample rate (as {@link decodeAudioFile} returns)
 * @param options - merged over {@link defaultAudioSourceOptions}
 * @throws TypeError naming a bad option
 */
export function prepareAudio(audio: DecodedAudio, options: Partial<AudioSourceOptions> = {}): AudioChunks {
  const { encoding, sampleRate, trailingSilenceMs, silenceThresholdDb, opusBitrate } = resolve(
    audio.sampleRate,
    options,
  );
  let pcm = audio.pcm;
  if (sampleRate !== audio.sampleRate) {
    const resampler = new Resampler(audio.sampleRate, sampleRate);
    const head = resampler.push(pcm);
    const tail = resampler.flush();
    pcm = new Float32Array(head.length + tail.length);
    pcm.set(head);
    pcm.set(tail, head.length);
  }
  const frameSamples = (sampleRate * CHUNK_MS) / 1000;
  const silenceSamples = Math.round((trailingSilenceMs * sampleRate) / 1000);
  const audioChunks = Math.ceil(pcm.length / frameSamples);
  const speechEndChunk = lastSoundFrame(pcm, frameSamples, silenceThresholdDb);
  const samples = new Int16Array(pcm.length + silenceSamples);
  samples.set(float32ToInt16(pcm));

  const chunks: Uint8Array[] = [];
  if (encoding === 'opus') {
    const encoder = new OpusEncoderStream({ sampleRate, bitrate: opusBitrate });
    chunks.push(...encoder.push(samples), ...encoder.flush());
  } else {
    // Every accepted rate has a whole number of samples in 20 ms (44.1 kHz: 882), so frames never drift.
    for (let at = 0; at < samples.length; at += frameSamples) {
      chunks.push(int16ToBytes(samples.subarray(at, at + frameSamples)));
    }
  }
  return { encoding, sampleRate, chunkMs: CHUNK_MS, chunks, audioChunks, speechEndChunk };
}

/** Where {@link streamAudio} sends chunks; {@link VoxClient} is one. */
export interface AudioSink {
  /** Sends one chunk; resolves when the sender may go on (after backpressure, if any). */
  sendAudio(bytes: Uint8Array): Promise<void>;
}

/** Options of {@link streamAudio}. */
export interface StreamAudioOptions {
  /** Pace chunks in real time (chunk i at start + i · chunkMs) rather than as fast as the socket takes them. */
  realtime: boolean;
  /**
   * Not in real time: how far ahead of real time the audio may run, ms (chunk i no earlier than
   * start + i · chunkMs − aheadMs), to stay within a server's burst allowance (`ready.audioBurstMs`). Default
   * unlimited.
   */
  aheadMs?: number;
  /** Stops streaming; the returned promise then rejects with ClientError `VX_ABORTED`. */
  signal?: AbortSignal;
  /** Called as soon as the chunk at `speechEndChunk` has been sent, with its send time (`performance.now()`). */
  onSpeechEndSent?: (sentAt: number) => void;
}

/** What {@link streamAudio} did. All times are `performance.now()` values in ms. */
export interface StreamAudioResult {
  /** When the first chunk was sent. */
  readonly startedAt: number;
  /** When the last non-silent chunk (`speechEndChunk`) was sent; null when there was none. */
  readonly speechEndSentAt: number | null;
  /** When the last chunk of the file itself (before the appended silence) was sent; null for an empty file. */
  readonly audioEndSentAt: number | null;
  /** When the last chunk had been sent. */
  readonly finishedAt: number;
  readonly chunksSent: number;
  /** Realtime only: how late the latest chunk went out against its schedule, in ms (0 when fast). */
  readonly maxLatenessMs: number;
}

function aborted(signal: AbortSignal): ClientError {
  return new ClientError('VX_ABORTED', 'audio streaming aborted', { cause: signal.reason });
}

/** Resolves at `performance.now() >= target` (never earlier: timers may fire up to 1 ms early). */
function sleepUntil(target: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    const tick = (): void => {
      const wait = target - performance.now();
      if (wait <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      } else {
        timer = setTimeout(tick, Math.ceil(wait));
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    tick();
  });
}

/**
 * Sends `audio.chunks` to `sink`, one binary message each. In real time, chunk i goes out at
 * start + i · chunkMs: the schedule is fixed up front, so timer lateness and backpressure waits never
 * accumulate into drift (a late chunk is followed by the next ones at once until the schedule is met).
 * Otherwise chunks go as fast as the sink accepts them (but never more than `aheadMs` ahead of that schedule), yielding to the event loop between chunks so
 * that received events keep accurate timestamps.
 * @throws ClientError `VX_ABORTED` when `signal` fires; whatever `sink.sendAudio` throws (e.g. `VX_CLOSED`)
 */
export async function streamAudio(
  sink: AudioSink,
  audio: AudioChunks,
  options: StreamAudioOptions,
): Promise<StreamAudioResult> {
  const { realtime, signal, onSpeechEndSent } = options;
  const leadMs = realtime ? 0 : (options.aheadMs ?? Infinity);
  let startedAt = 0;
  let speechEndSentAt: number | null = null;
  let audioEndSentAt: number | null = null;
  let maxLatenessMs = 0;
  for (let i = 0; i < audio.chunks.length; i++) {
    if (signal?.aborted) throw aborted(signal);
    if (i === 0) startedAt = performance.now();
    else {
      const due = startedAt + i * audio.chunkMs - leadMs;
      if (realtime || due > performance.now()) await sleepUntil(due, signal);
      else await nextMacrotask();
    }
    if (signal?.aborted) throw aborted(signal);
    const sentAt = performance.now();
    if (realtime) maxLatenessMs = Math.max(maxLatenessMs, sentAt - (startedAt + i * audio.chunkMs));
    await sink.sendAudio(audio.chunks[i] as Uint8Array);
    if (i === audio.speechEndChunk) {
      speechEndSentAt = sentAt;
      onSpeechEndSent?.(sentAt);
    }
    if (i === audio.audioChunks - 1) audioEndSentAt = sentAt;
  }
  const finishedAt = performance.now();
  return {
    startedAt: audio.chunks.length === 0 ? finishedAt : startedAt,
    speechEndSentAt,
    audioEndSentAt,
    finishedAt,
    chunksSent: audio.chunks.length,
    maxLatenessMs,
  };
}
