import { describe, expect, it } from 'vitest';
import { opusPacketSamples48k } from '../../src/audio/opusPacket.ts';

describe('opusPacketSamples48k', () => {
  it('reads durations from the TOC byte (RFC 6716 §3.1)', () => {
    const toc = (config: number, code: number): number => (config << 3) | code;
    expect(opusPacketSamples48k(Uint8Array.of(toc(1, 0)))).toBe(960); // SILK NB 20 ms
    expect(opusPacketSamples48k(Uint8Array.of(toc(3, 0)))).toBe(2880); // SILK NB 60 ms
    expect(opusPacketSamples48k(Uint8Array.of(toc(13, 1), 0))).toBe(1920); // hybrid 20 ms × 2
    expect(opusPacketSamples48k(Uint8Array.of(toc(16, 2), 0))).toBe(240); // CELT 2.5 ms × 2
    expect(opusPacketSamples48k(Uint8Array.of(toc(31, 3), 6))).toBe(5760); // CELT 20 ms × 6
  });

  it('rejects empty, truncated and over-long packets with VX_BAD_OPUS', () => {
    const bad = expect.objectContaining({ code: 'VX_BAD_OPUS' });
    expect(() => opusPacketSamples48k(new Uint8Array(0))).toThrow(bad);
    expect(() => opusPacketSamples48k(Uint8Array.of((31 << 3) | 3))).toThrow(bad);
    expect(() => opusPacketSamples48k(Uint8Array.of((31 << 3) | 3, 7))).toThrow(bad); // 140 ms
    expect(() => opusPacketSamples48k(Uint8Array.of((31 << 3) | 3, 0))).toThrow(bad);
  });
});
