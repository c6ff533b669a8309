import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/tts/index.ts';

describe('splitSentences', () => {
  it('splits at sentence ends and line breaks, keeping the punctuation', () => {
    expect(splitSentences('The lights are on. Anything else? Done!\nSecond line')).toEqual([
      'The lights are on.',
      'Anything else?',
      'Done!',
      'Second line',
    ]);
  });

  it('does not split after abbreviations, inside numbers or at closing quotes', () => {
    expect(splitSentences('Dr. Smith set it to 21.5 degrees. He said "ok." Then e.g. tea.')).toEqual([
      'Dr. Smith set it to 21.5 degrees.',
      'He said "ok."',
      'Then e.g. tea.',
    ]);
  });

  it('drops blank pieces', () => {
    expect(splitSentences('  \n ... \n')).toEqual(['...']);
    expect(splitSentences('')).toEqual([]);
  });

  it('cuts long sentences at a clause mark or space, within maxLength', () => {
    const pieces = splitSentences('one two three, four five six seven eight', { maxLength: 16 });
    expect(pieces).toEqual(['one two three,', 'four five six', 'seven eight']);
    for (const piece of splitSentences('x'.repeat(40), { maxLength: 16 }))
      expect(piece.length).toBeLessThanOrEqual(16);
    expect(() => splitSentences('a', { maxLength: 0 })).toThrow(/^maxLength:/);
  });
});
