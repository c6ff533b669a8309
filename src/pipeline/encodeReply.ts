import {
  OpusEncoderStream,
  Resampler,
  int16ToBytes,
  int16ToFloat32,
  float32ToInt16,
} from '../audio/index.ts';
import type { AudioEncoding } from '../protocol/index.ts';

/** PCM reply audio is sent in chunks of this many milliseconds. */
export const pcmChunkMs = 100;

/**
 * Turns synthesized speech into what the client asked for: 16-bit PCM chunks or one Opus packet per
 * message, at the client's sample rate. One per reply.
 */
export class ReplyEncoder {
  private readonly opus: OpusEncoderStream | null;
  private resampler: Resampler | null = null;

  constructor(
    readonly encoding: AudioEncoding,
    readonly sampleRate: number,
  ) {
    this.opus = encoding === 'opus' ? new OpusEncoderStream({ sampleRate, bitrate: 24000 }) : null;
  }

  /** Encodes a piece of speech; returns the binary messages to send. */
  push(pcm: Int16Array, fromRate: number): Uint8Array[] {
    let audio = int16ToFloat32(pcm);
    if (fromRate !== this.sampleRate) {
      this.resampler ??= new Resampler(fromRate, this.sampleRate);
      audio = this.resampler.push(audio);
    }
    if (this.opus) return this.opus.push(audio);
    const samples = float32ToInt16(audio);
    const chunk = (this.sampleRate * pcmChunkMs) / 1000;
    const out: Uint8Array[] = [];
    for (let at = 0; at < samples.length; at += chunk) out.push(int16ToBytes(samples.slice(at, at + chunk)));
    return out;
  }

  /** The last partial item (Opus) or resampler tail. */
  flush(): Uint8Array[] {
    const tail = this.resampler?.flush() ?? new Float32Array(0);
    if (this.opus) return [...this.opus.push(tail), ...this.opus.flush()];
    return tail.length ? [int16ToBytes(float32ToInt16(tail))] : [];
  }
}
