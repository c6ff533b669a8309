import { describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.ts';
import { bytesToInt16, float32ToInt16, int16ToBytes, int16ToFloat32, toMono } from '../../src/audio/pcm.ts';

describe('int16 ↔ float32', () => {
  it('round-trips every int16 value exactly', () => {
    const all = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
    expect(float32ToInt16(int16ToFloat32(all))).toEqual(all);
  });

  it('scales by 32768 and clips out-of-range floats and NaN', () => {
    expect(Array.from(int16ToFloat32(Int16Array.of(-32768, 0, 16384)))).toEqual([-1, 0, 0.5]);
    expect(Array.from(float32ToInt16(Float32Array.of(1, -1, 2, -2, 0.5, NaN, 1e-6)))).toEqual([
      32767, -32768, 32767, -32768, 16384, 0, 0,
    ]);
  });
});

describe('bytesToInt16', () => {
  it('reads little-endian samples, viewing aligned bytes and copying unaligned ones', () => {
    const backing = new Uint8Array([0xaa, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x80]);
    const aligned = backing.subarray(1, 5); // byteOffset 1: unaligned
    expect(Array.from(bytesToInt16(aligned))).toEqual([1, 0x7fff]);
    const evenBacking = new Uint8Array([0x01, 0x00, 0x00, 0x80]);
    const view = bytesToInt16(evenBacking);
    expect(Array.from(view)).toEqual([1, -32768]);
    expect(view.buffer).toBe(evenBacking.buffer); // no copy when aligned
  });

  it('rejects an odd byte count with VX_BAD_AUDIO', () => {
    expect(() => bytesToInt16(new Uint8Array(3))).toThrow(
      expect.objectContaining({ name: 'AudioError', code: 'VX_BAD_AUDIO' }),
    );
  });

  it('round-trips with int16ToBytes', () => {
    const pcm = Int16Array.of(-32768, -1, 0, 1, 32767);
    expect(bytesToInt16(int16ToBytes(pcm))).toEqual(pcm);
  });
});

describe('toMono', () => {
  it('averages channels and returns a single channel as is', () => {
    const left = Float32Array.of(1, 0.5, -1);
    const right = Float32Array.of(0, 0.5, 1);
    expect(Array.from(toMono([left, right]))).toEqual([0.5, 0.5, 0]);
    expect(toMono([left])).toBe(left);
  });

  it('rejects no channels or unequal lengths', () => {
    expect(() => toMono([])).toThrow(AudioError);
    expect(() => toMono([new Float32Array(2), new Float32Array(3)])).toThrow(/lengths differ/);
  });
});
