import { describe, expect, it } from 'vitest';
import { MAX_TTS_TEXT_LENGTH, sanitizeTtsText } from '../../src/tts/sanitizeText.ts';

describe('sanitizeTtsText', () => {
  it('turns control characters into single spaces and trims', () => {
    expect(sanitizeTtsText('\u0001 5S hello\r\n\tworld\u0000 ')).toBe('5S hello world');
  });

  it('breaks up the [[phoneme]] input syntax', () => {
    expect(sanitizeTtsText('say [[h@loU]]')).toBe('say [ [h@loU]]');
  });

  it('accepts text at the limit and rejects longer text or non-strings with VX_TTS_TEXT', () => {
    expect(sanitizeTtsText('a'.repeat(MAX_TTS_TEXT_LENGTH))).toHaveLength(MAX_TTS_TEXT_LENGTH);
    expect(() => sanitizeTtsText('a'.repeat(MAX_TTS_TEXT_LENGTH + 1))).toThrow(
      expect.objectContaining({ code: 'VX_TTS_TEXT' }),
    );
    expect(() => sanitizeTtsText(undefined)).toThrow(expect.objectContaining({ code: 'VX_TTS_TEXT' }));
  });
});
