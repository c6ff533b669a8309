import opus from '@discordjs/opus';
import { AudioError } from './errors.ts';
import { bytesToInt16, float32ToInt16 } from './pcm.ts';

/** Sample rates libopus can encode from and decode to, in Hz. */
export const OPUS_SAMPLE_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * Encoder look-ahead of {@link OpusEncoderStream} in 48 kHz samples (6.5 ms, libopus application AUDIO):
 * the `preSkip` to put in an Ogg Opus header for its packets. Measured in test/audio/opus.test.ts.
 */
export const OPUS_ENCODER_PRESKIP_48K = 312;

/** Frame duration of {@link OpusEncoderStream} packets, in ms. */
export const OPUS_FRAME_MS = 20;

/** Options of {@link OpusDecoderStream} and {@link OpusEncoderStream}. */
export interface OpusStreamOptions {
  /** PCM sample rate in Hz: one of {@link OPUS_SAMPLE_RATES} (16000 and 48000 are the ones we use). Default 48000. */
  sampleRate: number;
  /** Encoder only: target bitrate in bits per second, 500 … 512000. Default 32000. */
  bitrate: number;
}

/** Defaults for {@link OpusStreamOptions}. */
export const defaultOpusStreamOptions: Readonly<OpusStreamOptions> = Object.freeze({
  sampleRate: 48000,
  bitrate: 32000,
});

function resolve(options: Partial<OpusStreamOptions>): OpusStreamOptions {
  const merged = { ...defaultOpusStreamOptions, ...options };
  if (!OPUS_SAMPLE_RATES.includes(merged.sampleRate)) {
    throw new TypeError(
      `sampleRate must be one of ${OPUS_SAMPLE_RATES.join(', ')} Hz, got ${merged.sampleRate}`,
    );
  }
  if (!Number.isInteger(merged.bitrate) || merged.bitrate < 500 || merged.bitrate > 512000) {
    throw new TypeError(`bitrate must be an integer in 500 … 512000 bit/s, got ${merged.bitrate}`);
  }
  return merged;
}

/** Wraps bytes as a Node Buffer without copying (the native binding accepts only Buffers). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes single Opus packets (any frame size up to 120 ms, mono or stereo streams) to mono PCM. A packet
 * the decoder rejects raises {@link AudioError} `VX_BAD_OPUS` and leaves the decoder usable. One instance per
 * stream: Opus decoding is stateful.
 */
export class OpusDecoderStream {
  /** Output sample rate in Hz. */
  readonly sampleRate: number;
  private readonly codec: opus.OpusEncoder;

  /** @param options - `sampleRate` of the decoded PCM; merged over {@link defaultOpusStreamOptions} */
  constructor(options: Partial<Pick<OpusStreamOptions, 'sampleRate'>> = {}) {
    this.sampleRate = resolve(options).sampleRate;
    this.codec = new opus.OpusEncoder(this.sampleRate, 1);
  }

  /**
   * @param packet - one Opus packet (at least 1 byte)
   * @returns Int16Array PCM, mono, at `sampleRate`
   * @throws AudioError `VX_BAD_OPUS` for an empty or corrupt packet
   */
  decode(packet: Uint8Array): Int16Array {
    // An empty packet would make libopus conceal a lost packet instead of decoding; reject it here.
    if (packet.byteLength === 0) throw new AudioError('VX_BAD_OPUS', 'Opus packet is empty');
    let decoded: Buffer;
    try {
      decoded = this.codec.decode(asBuffer(packet));
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new AudioError('VX_BAD_OPUS', `Opus packet of ${packet.byteLength} bytes rejected: ${reason}`, {
        cause,
      });
    }
    // The binding returns a fresh Buffer that may be unaligned; bytesToInt16 copies in that case.
    return bytesToInt16(decoded);
  }
}

/**
 * Encodes mono PCM into 20 ms Opus packets, buffering a partial frame between calls. One instance per
 * stream.
 */
export class OpusEncoderStream {
  /** Input sample rate in Hz. */
  readonly sampleRate: number;
  /** Samples per packet (20 ms at `sampleRate`). */
  readonly frameSamples: number;
  private readonly codec: opus.OpusEncoder;
  private readonly frame: Int16Array;
  private readonly frameBuffer: Buffer;
  private filled = 0;

  /** @param options - merged over {@link defaultOpusStreamOptions} */
  constructor(options: Partial<OpusStreamOptions> = {}) {
    const { sampleRate, bitrate } = resolve(options);
    this.sampleRate = sampleRate;
    this.frameSamples = (sampleRate * OPUS_FRAME_MS) / 1000;
    this.codec = new opus.OpusEncoder(sampleRate, 1);
    this.codec.setBitrate(bitrate);
    this.frame = new Int16Array(this.frameSamples);
    this.frameBuffer = Buffer.from(this.frame.buffer, 0, this.frame.byteLength);
  }

  /**
   * @param pcm - mono Int16Array PCM, or Float32Array PCM in [-1, 1] (clipped), at `sampleRate`
   * @returns one packet per completed 20 ms frame (possibly none)
   */
  push(pcm: Int16Array | Float32Array): Uint8Array[] {
    const samples = pcm instanceof Int16Array ? pcm : float32ToInt16(pcm);
    const packets: Uint8Array[] = [];
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(this.frameSamples - this.filled, samples.length - at);
      this.frame.set(samples.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.frameSamples) packets.push(this.encodeFrame());
    }
    return packets;
  }

  /**
   * Encodes a buffered partial frame padded with silence; the encoder stays usable for more input.
   * @returns the last packet, or none when no samples were buffered
   */
  flush(): Uint8Array[] {
    if (this.filled === 0) return [];
    this.frame.fill(0, this.filled);
    return [this.encodeFrame()];
  }

  private encodeFrame(): Uint8Array {
    // Always exactly one 20 ms frame: the binding aborts the whole process on an invalid frame size.
    const packet = this.codec.encode(this.frameBuffer);
    this.filled = 0;
    return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength);
  }
}
