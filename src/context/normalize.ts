/**
 * Words are compared in one canonical form: lower case, letters, digits and inner apostrophes.
 * Any other character (punctuation, hyphens, symbols) separates words, so `"Wi-Fi"` is `wi fi`
 * and `"What's up?"` is `what's up`. Typographic apostrophes (’) count as `'`.
 */
const NON_WORD = /[^\p{L}\p{N}']+/gu;
const EDGE_APOSTROPHES = /^'+|'+$/g;

/**
 * Splits a phrase into normalised words (see module note). Returns `[]` for a phrase with no word in it.
 *
 * @example normalizeWords("I'd like a Latte, please!") // ["i'd", "like", "a", "latte", "please"]
 */
export function normalizeWords(phrase: string): string[] {
  const words: string[] = [];
  for (const raw of phrase
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .split(NON_WORD)) {
    // Apostrophes only count inside a word: keep "i'd", drop the quotes in "'latte'".
    const word = raw.replace(EDGE_APOSTROPHES, '');
    if (word !== '') words.push(word);
  }
  return words;
}

/** The normalised words of `phrase` joined by single spaces: the key slot values are looked up by. */
export function normalizePhrase(phrase: string): string {
  return normalizeWords(phrase).join(' ');
}
