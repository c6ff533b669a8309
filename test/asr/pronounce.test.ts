import { describe, expect, it } from 'vitest';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { pronounceAny } from '../../src/asr/pronounce.ts';

const lexicon = Lexicon.fromText(
  [
    'the DH AH',
    'the DH IY',
    'living L IH V IH NG',
    'room R UW M',
    'kids K IH D Z',
    "kids' K IH D Z",
    'it IH T',
    // letter and digit names, as CMUdict has them
    'a EY',
    'b B IY',
    'x EH K S',
    'q K Y UW',
    'two T UW',
    'four F AO R',
  ].join('\n'),
);

describe('pronounceAny', () => {
  it('gives every lexicon pronunciation of a known word, not guessed', () => {
    expect(pronounceAny('the', lexicon)).toEqual({
      prons: [
        ['DH', 'AH'],
        ['DH', 'IY'],
      ],
      guessed: false,
    });
    expect(pronounceAny("kids'", lexicon)).toEqual({ prons: [['K', 'IH', 'D', 'Z']], guessed: false });
  });

  it('drops apostrophes to find a known word', () => {
    expect(pronounceAny("room's", Lexicon.fromText('rooms R UW M Z'))).toEqual({
      prons: [['R', 'UW', 'M', 'Z']],
      guessed: true,
    });
    expect(pronounceAny("'kids", lexicon)).toEqual({ prons: [['K', 'IH', 'D', 'Z']], guessed: true });
  });

  it('reads a word made of two known words as both', () => {
    expect(pronounceAny('livingroom', lexicon)).toEqual({
      prons: [['L', 'IH', 'V', 'IH', 'NG', 'R', 'UW', 'M']],
      guessed: true,
    });
    // Only each part's first pronunciation is used.
    expect(pronounceAny('theroom', lexicon).prons).toEqual([['DH', 'AH', 'R', 'UW', 'M']]);
  });

  it('does not split off a single letter, spelling the word instead', () => {
    // "a" + "room" would need a one-letter head, so the letters are read (only "a" has a name here).
    expect(pronounceAny('aroom', lexicon)).toEqual({ prons: [['EY']], guessed: true });
  });

  it('spells other words letter by letter, reading digits one by one and skipping what has no name', () => {
    expect(pronounceAny('xq', lexicon)).toEqual({ prons: [['EH', 'K', 'S', 'K', 'Y', 'UW']], guessed: true });
    expect(pronounceAny('b42', lexicon)).toEqual({
      prons: [['B', 'IY', 'F', 'AO', 'R', 'T', 'UW']],
      guessed: true,
    });
    expect(pronounceAny('x-z', lexicon)).toEqual({ prons: [['EH', 'K', 'S']], guessed: true });
  });

  it('throws a TypeError naming a word it cannot pronounce at all', () => {
    expect(() => pronounceAny('zz', lexicon)).toThrow(TypeError);
    expect(() => pronounceAny('zz', lexicon)).toThrow('"zz"');
    expect(() => pronounceAny("'", lexicon)).toThrow(TypeError);
  });
});
