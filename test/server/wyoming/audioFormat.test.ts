import { describe, expect, it } from 'vitest';
import { audioFormat, monoPcm } from '../../../src/server/wyoming/audioFormat.ts';
import { WyomingError } from '../../../src/protocol/wyoming/index.ts';

describe('audioFormat', () => {
  it('takes 16-bit mono or stereo at any rate from 8 to 192 kHz', () => {
    expect(audioFormat({ rate: 22050, width: 2, channels: 2 }, 'audio-start')).toEqual({
      rate: 22050,
      width: 2,
      channels: 2,
    });
  });

  it.each([
    [{ rate: 16000, width: 4, channels: 1 }, /width/],
    [{ rate: 16000, width: 2, channels: 6 }, /channels/],
    [{ rate: 4000, width: 2, channels: 1 }, /rate/],
    [{ rate: '16000', width: 2, channels: 1 }, /rate/],
  ])('refuses %j', (data, message) => {
    expect(() => audioFormat(data, 'audio-start')).toThrow(WyomingError);
    expect(() => audioFormat(data, 'audio-start')).toThrow(message);
  });
});

describe('monoPcm', () => {
  it('averages the two channels of stereo', () => {
    const stereo = new Int16Array([100, 300, -32768, -32768, 32767, 1]);
    const mono = monoPcm(new Uint8Array(stereo.buffer), { rate: 16000, width: 2, channels: 2 });
    expect([...new Int16Array(mono.buffer, mono.byteOffset, mono.byteLength / 2)]).toEqual([
      200, -32768, 16384,
    ]);
  });

  it('passes mono through and refuses bytes that are not whole frames', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(monoPcm(bytes, { rate: 16000, width: 2, channels: 1 })).toBe(bytes);
    expect(() => monoPcm(bytes.subarray(0, 3), { rate: 16000, width: 2, channels: 1 })).toThrow(/whole/);
    expect(() => monoPcm(new Uint8Array(6), { rate: 16000, width: 2, channels: 2 })).toThrow(/whole 4-byte/);
  });
});
