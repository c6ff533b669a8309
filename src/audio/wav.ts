import { AudioError } from './errors.ts';
import { float32ToInt16 } from './pcm.ts';

/** Decoded WAV audio: one Float32Array in [-1, 1] per channel (floats are passed through unclipped). */
export interface DecodedWav {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Float32Array PCM per channel, de-interleaved, all the same length. */
  channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Data chunk sizes that streaming writers put in before they know the length. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

interface WavFormat {
  format: number;
  channelCount: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

function fourcc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

function bad(message: string): AudioError {
  return new AudioError('VX_BAD_AUDIO', `WAV: ${message}`);
}

function readFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw bad(`fmt chunk too short (${size} bytes)`);
  let format = view.getUint16(offset, true);
  const fmt = {
    channelCount: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    blockAlign: view.getUint16(offset + 12, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
  if (format === FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) then the sub-format GUID,
    // whose first two bytes are the plain format tag.
    if (size < 40) throw bad(`extensible fmt chunk too short (${size} bytes)`);
    format = view.getUint16(offset + 24, true);
  }
  return { format, ...fmt };
}

function sampleReader(fmt: WavFormat): (view: DataView, offset: number) => number {
  const { format, bitsPerSample: bits } = fmt;
  if (format === FORMAT_PCM) {
    if (bits === 8) return (v, o) => (v.getUint8(o) - 128) / 128;
    if (bits === 16) return (v, o) => v.getInt16(o, true) / 32768;
    if (bits === 24) return (v, o) => (((v.getUint8(o + 2) << 24) >> 8) | v.getUint16(o, true)) / 8388608;
    if (bits === 32) return (v, o) => v.getInt32(o, true) / 2147483648;
  } else if (format === FORMAT_FLOAT) {
    if (bits === 32) return (v, o) => v.getFloat32(o, true);
    if (bits === 64) return (v, o) => v.getFloat64(o, true);
  }
  throw bad(`unsupported sample format (tag ${format}, ${bits} bits)`);
}

/**
 * Decodes a RIFF/WAVE file: integer PCM of 8, 16, 24 or 32 bits, IEEE float of 32 or 64 bits, plain
 * or WAVE_FORMAT_EXTENSIBLE, any sample rate and channel count. Unknown chunks are skipped. A data
 * chunk whose size is 0 or 0xFFFFFFFF (streamed WAV) or runs past the end takes the rest of the file;
 * a trailing partial sample frame is dropped.
 * @param bytes - the whole file
 * @throws AudioError `VX_BAD_AUDIO` for anything malformed or unsupported
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    throw bad('not a RIFF/WAVE file');
  }
  let fmt: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = fourcc(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.byteLength - body;
    if (id === 'fmt ') {
      fmt = readFormat(view, body, Math.min(declared, available));
    } else if (id === 'data') {
      if (fmt === undefined) throw bad('data chunk before fmt chunk');
      const size = UNKNOWN_SIZES.has(declared) || declared > available ? available : declared;
      return { sampleRate: fmt.sampleRate, channels: readSamples(view, body, size, fmt) };
    }
    // Chunks are padded to an even length.
    offset = body + declared + (declared % 2);
  }
  throw bad(fmt === undefined ? 'no fmt chunk' : 'no data chunk');
}

function readSamples(view: DataView, offset: number, size: number, fmt: WavFormat): Float32Array[] {
  const { channelCount, sampleRate, bitsPerSample } = fmt;
  if (channelCount < 1) throw bad('channel count is 0');
  if (sampleRate < 1) throw bad('sample rate is 0');
  const read = sampleReader(fmt);
  const bytesPerSample = bitsPerSample / 8;
  const frameBytes = bytesPerSample * channelCount;
  if (fmt.blockAlign !== frameBytes) {
    throw bad(`block align ${fmt.blockAlign} does not match ${channelCount} x ${bitsPerSample} bits`);
  }
  const frames = Math.floor(size / frameBytes);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  for (let c = 0; c < channelCount; c++) {
    const ch = channels[c] as Float32Array;
    let o = offset + c * bytesPerSample;
    for (let i = 0; i < frames; i++, o += frameBytes) ch[i] = read(view, o);
  }
  return channels;
}

/**
 * Encodes mono audio as a 16-bit PCM WAV file (44-byte header).
 * @param pcm - Int16Array PCM, or Float32Array PCM in [-1, 1] (clipped)
 * @param sampleRate - sample rate in Hz
 * @returns the file bytes
 */
export function encodeWav(pcm: Int16Array | Float32Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new TypeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  }
  const samples = pcm instanceof Int16Array ? pcm : float32ToInt16(pcm);
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, s: string): void => {
    for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, samples[i] as number, true);
  return out;
}
