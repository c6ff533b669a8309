import { AudioError } from './errors.ts';

/** True on little-endian hosts, where PCM bytes can be viewed in place. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Converts 16-bit PCM to float samples in [-1, 1) by dividing by 32768.
 * @param pcm - Int16Array PCM
 * @returns a new Float32Array of the same length
 */
export function int16ToFloat32(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] as number) / 32768;
  return out;
}

/**
 * Converts float samples in [-1, 1] to 16-bit PCM: scales by 32768, rounds to nearest and clips to
 * [-32768, 32767] (so {@link int16ToFloat32} followed by this is exact). NaN becomes 0.
 * @param pcm - Float32Array PCM in [-1, 1]; values outside are clipped
 * @returns a new Int16Array of the same length
 */
export function float32ToInt16(pcm: Float32Array): Int16Array {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round((pcm[i] as number) * 32768);
    // Comparisons written so that NaN falls through to 0.
    out[i] = v >= 32767 ? 32767 : v <= -32768 ? -32768 : v === v ? v : 0;
  }
  return out;
}

/**
 * Reads little-endian 16-bit PCM bytes. When the bytes are 2-byte aligned (and the host is
 * little-endian) the result is a view sharing memory with `bytes` (do not mutate either);
 * otherwise the samples are copied.
 * @param bytes - little-endian int16 samples; the length must be even
 * @throws AudioError `VX_BAD_AUDIO` when the byte length is odd
 */
export function bytesToInt16(bytes: Uint8Array): Int16Array {
  if (bytes.byteLength % 2 !== 0) {
    throw new AudioError('VX_BAD_AUDIO', `16-bit PCM needs an even byte count, got ${bytes.byteLength}`);
  }
  const count = bytes.byteLength / 2;
  if (HOST_IS_LITTLE_ENDIAN) {
    if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, count);
    // Unaligned: copy the bytes into a fresh (aligned) buffer.
    return new Int16Array(bytes.slice().buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/**
 * Writes 16-bit PCM as little-endian bytes.
 * @param pcm - Int16Array PCM
 * @returns a new Uint8Array of `2 * pcm.length` bytes
 */
export function int16ToBytes(pcm: Int16Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(pcm.slice().buffer);
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(2 * i, pcm[i] as number, true);
  return out;
}

/**
 * Averages channels into one. A single channel is returned as is (not copied).
 * @param channels - Float32Array PCM per channel, all the same length
 * @throws AudioError `VX_BAD_AUDIO` when there are no channels or their lengths differ
 */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (first === undefined) throw new AudioError('VX_BAD_AUDIO', 'audio has no channels');
  if (channels.length === 1) return first;
  const n = first.length;
  const out = new Float32Array(n);
  for (const ch of channels) {
    if (ch.length !== n) {
      throw new AudioError('VX_BAD_AUDIO', `channel lengths differ: ${ch.length} vs ${n}`);
    }
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (ch[i] as number);
  }
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) * scale;
  return out;
}
