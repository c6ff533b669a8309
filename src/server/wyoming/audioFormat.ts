import { WyomingError } from '../../protocol/wyoming/index.ts';

/** The format of Wyoming audio (`audio-start`, `audio-chunk`): 16-bit PCM only, mono or stereo. */
export interface AudioFormat {
  /** Sample rate, Hz. */
  readonly rate: number;
  /** Bytes per sample: always 2 here. */
  readonly width: 2;
  readonly channels: 1 | 2;
}

/** Lowest and highest sample rates taken, Hz (the resampler converts any rate between to 16 kHz). */
const minRate = 8000;
const maxRate = 192_000;

/**
 * The audio format an event's data gives.
 * @throws WyomingError `VX_WY_BAD_DATA` for a width other than 2, more than two channels, or a rate out of range
 */
export function audioFormat(data: Readonly<Record<string, unknown>>, event: string): AudioFormat {
  const { rate, width, channels } = data;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < minRate || rate > maxRate)
    throw new WyomingError(
      'VX_WY_BAD_DATA',
      `${event}.rate must be a whole number of Hz in [${minRate}, ${maxRate}]`,
    );
  if (width !== 2) throw new WyomingError('VX_WY_BAD_DATA', `${event}.width must be 2 (16-bit PCM)`);
  if (channels !== 1 && channels !== 2)
    throw new WyomingError('VX_WY_BAD_DATA', `${event}.channels must be 1 or 2`);
  return { rate, width, channels };
}

/**
 * A chunk of 16-bit little-endian PCM as mono (the two channels of stereo averaged), as bytes.
 * @throws WyomingError `VX_WY_BAD_DATA` when the bytes are not whole frames of the format
 */
export function monoPcm(bytes: Uint8Array, format: AudioFormat): Uint8Array {
  const frame = 2 * format.channels;
  if (bytes.byteLength % frame !== 0)
    throw new WyomingError(
      'VX_WY_BAD_DATA',
      `an audio chunk of ${bytes.byteLength} bytes is not whole ${frame}-byte frames`,
    );
  if (format.channels === 1) return bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.byteLength / frame);
  for (let i = 0; i < out.length; i++)
    out[i] = (view.getInt16(i * 4, true) + view.getInt16(i * 4 + 2, true)) >> 1;
  return new Uint8Array(out.buffer);
}
