import { describe, expect, it } from 'vitest';
import { readWavPcm16 } from '../../src/tts/wavPcm16.ts';

function wav(samples: number[], options: { dataSize?: number; extraChunk?: boolean } = {}): Uint8Array {
  const extra = options.extraChunk ? 10 : 0; // a 'LIST' chunk with an odd 1-byte body + pad
  const bytes = new Uint8Array(44 + extra + 2 * samples.length);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) =>
    [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 22050, true);
  view.setUint32(28, 44100, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  let offset = 36;
  if (options.extraChunk) {
    ascii(offset, 'LIST');
    view.setUint32(offset + 4, 1, true);
    offset += 10;
  }
  ascii(offset, 'data');
  view.setUint32(offset + 4, options.dataSize ?? 2 * samples.length, true);
  samples.forEach((s, i) => view.setInt16(offset + 8 + 2 * i, s, true));
  return bytes;
}

describe('readWavPcm16', () => {
  it('reads 16-bit mono samples and the sample rate, skipping other chunks', () => {
    expect(readWavPcm16(wav([1, -2, 32767, -32768], { extraChunk: true }))).toEqual({
      sampleRate: 22050,
      pcm: Int16Array.from([1, -2, 32767, -32768]),
    });
  });

  it('cuts a streaming header whose data size runs past the end', () => {
    expect(readWavPcm16(wav([5, 6], { dataSize: 0x7ffff000 }))?.pcm).toEqual(Int16Array.from([5, 6]));
  });

  it('returns undefined for other bytes or formats', () => {
    expect(readWavPcm16(new Uint8Array(10))).toBeUndefined();
    const stereo = wav([1, 2]);
    new DataView(stereo.buffer).setUint16(22, 2, true);
    expect(readWavPcm16(stereo)).toBeUndefined();
  });
});
