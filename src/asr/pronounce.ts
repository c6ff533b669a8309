import type { Lexicon } from './lexicon.ts';

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/**
 * Pronunciations of a word, falling back for words outside the lexicon: digits are read one by one,
 * a word made of two known words is read as both ("livingroom"), anything else is spelled letter by letter
 * (CMUdict has the letter names). `guessed` says a fallback was used, so callers can warn about it.
 */
export function pronounceAny(
  word: string,
  lexicon: Lexicon,
): { prons: readonly (readonly string[])[]; guessed: boolean } {
  const known = lexicon.pronounce(word);
  if (known) return { prons: known, guessed: false };
  const clean = word.replace(/'/g, '');
  const viaClean = lexicon.pronounce(clean);
  if (viaClean) return { prons: viaClean, guessed: true };
  for (let cut = 2; cut <= clean.length - 2; cut++) {
    const head = lexicon.pronounce(clean.slice(0, cut));
    const tail = lexicon.pronounce(clean.slice(cut));
    if (head?.[0] && tail?.[0]) return { prons: [[...head[0], ...tail[0]]], guessed: true };
  }
  const spelled: string[] = [];
  for (const ch of clean) {
    const name = /[0-9]/.test(ch) ? DIGITS[Number(ch)] : ch;
    const pron = name === undefined ? undefined : lexicon.pronounce(name)?.[0];
    if (pron) spelled.push(...pron);
  }
  if (spelled.length === 0) throw new TypeError(`cannot pronounce the word "${word}"`);
  return { prons: [spelled], guessed: true };
}
