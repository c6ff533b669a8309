import { describe, expect, it } from 'vitest';
import { UndecodableMessages, undecodable } from '../../src/server/undecodableMessages.ts';

describe('UndecodableMessages', () => {
  it('reports the first few of each code, counts the rest, and calls more than the allowance a flood', () => {
    const messages = new UndecodableMessages({ reportedPerCode: 2, burst: 5, perSec: 1 });
    const t = 1000;
    expect([0, 1, 2].map(() => messages.note('VX_BAD_AUDIO', t))).toEqual(['report', 'report', 'count']);
    expect(messages.note('VX_BAD_OPUS', t)).toBe('report');
    expect(messages.note('VX_BAD_OPUS', t)).toBe('report');
    expect(messages.note('VX_BAD_OPUS', t)).toBe('flood');
    // One a second is allowed for as long as the client likes.
    expect(messages.note('VX_BAD_OPUS', t + 1000)).toBe('count');
    expect(messages.count).toBe(7);
  });

  it('tells audio that cannot decode from its length or an Opus packet from its table of contents', () => {
    expect(undecodable(new Uint8Array(640), 'pcm_s16le')).toBeNull();
    expect(undecodable(new Uint8Array(1), 'pcm_s16le')).toMatchObject({ code: 'VX_BAD_AUDIO' });
    expect(undecodable(new Uint8Array(0), 'opus')).toMatchObject({ code: 'VX_BAD_OPUS' });
    // TOC 0x78: SILK-only 20 ms, one frame.
    expect(undecodable(Uint8Array.from([0x78, 1, 2, 3]), 'opus')).toBeNull();
  });
});
