import { describe, expect, it } from 'vitest';
import { normalizePhrase, normalizeWords } from '../../src/context/normalize.ts';

describe('normalizeWords', () => {
  it('lower-cases, keeps inner apostrophes and drops other punctuation', () => {
    expect(normalizeWords("I'd like a Latte, please!")).toEqual(["i'd", 'like', 'a', 'latte', 'please']);
  });

  it('splits on hyphens and symbols, and treats typographic apostrophes as plain ones', () => {
    expect(normalizeWords('Lo-fi  hip/hop')).toEqual(['lo', 'fi', 'hip', 'hop']);
    expect(normalizeWords('What\u2019s up')).toEqual(["what's", 'up']);
  });

  it('drops apostrophes at word edges', () => {
    expect(normalizeWords("the kids' room 'latte'")).toEqual(['the', 'kids', 'room', 'latte']);
  });

  it('returns no words for punctuation only', () => {
    expect(normalizeWords(' ?! , ')).toEqual([]);
    expect(normalizePhrase('  Living   Room ')).toBe('living room');
  });
});
