/**
 * PocketSphinx pronunciation dictionaries (`word PH ON ES` per line, alternates as `word(2) ...`): reading,
 * checking a vocabulary against one, and guessing compounds (`unmute` = `un` + `mute`) that it lacks.
 */
import { readFile } from 'node:fs/promises';

/** Debian's `pocketsphinx-en-us` model directory. */
export const DEBIAN_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** Debian's acoustic model. */
export const DEBIAN_HMM = `${DEBIAN_MODEL_DIR}/en-us`;
/** Debian's CMUdict, in PocketSphinx's format. */
export const DEBIAN_DICT = `${DEBIAN_MODEL_DIR}/cmudict-en-us.dict`;

/** Word (lower case, without the `(n)` of alternates) to its pronunciations (phones joined by spaces). */
export type Dictionary = ReadonlyMap<string, readonly string[]>;

/** Parses a dictionary's text; words are lower-cased (pocketsphinx's default `-dictcase no`). */
export function parseDictionary(text: string): Map<string, string[]> {
  const dict = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^(\S+?)(?:\(\d+\))?\s+(.+?)\s*$/.exec(line);
    if (match === null) continue;
    const word = (match[1] as string).toLowerCase();
    const prons = dict.get(word) ?? [];
    prons.push(match[2] as string);
    dict.set(word, prons);
  }
  return dict;
}

/** Reads and parses a dictionary file. */
export async function readDictionary(path: string, signal?: AbortSignal): Promise<Map<string, string[]>> {
  return parseDictionary(await readFile(path, signal === undefined ? 'utf8' : { encoding: 'utf8', signal }));
}

/**
 * A pronunciation for a word the dictionary lacks, made by splitting it into two dictionary words of at
 * least two letters each (`unmute` = `un mute`), preferring the most even split; `undefined` if none.
 * Uses each part's first pronunciation.
 */
export function guessCompound(word: string, dict: Dictionary): string | undefined {
  const splits: [string, string][] = [];
  for (let i = 2; i <= word.length - 2; i++) {
    const head = dict.get(word.slice(0, i))?.[0];
    const tail = dict.get(word.slice(i))?.[0];
    if (head !== undefined && tail !== undefined) splits.push([`${head} ${tail}`, word.slice(0, i)]);
  }
  // Most even split first: the shorter part as long as possible.
  const balance = (head: string): number => Math.min(head.length, word.length - head.length);
  splits.sort((a, b) => balance(b[1]) - balance(a[1]));
  return splits[0]?.[0];
}

/** What a vocabulary needs beyond a dictionary. */
export interface DictionaryCheck {
  /** Words the dictionary lacks, with a guessed pronunciation (see {@link guessCompound}). */
  readonly guessed: ReadonlyMap<string, string>;
  /** Words the dictionary lacks and no guess was found for. */
  readonly missing: readonly string[];
}

/** Checks `words` against `dict`, guessing compounds for the words it lacks. */
export function checkWords(words: Iterable<string>, dict: Dictionary): DictionaryCheck {
  const guessed = new Map<string, string>();
  const missing: string[] = [];
  for (const word of words) {
    if (dict.has(word)) continue;
    const guess = guessCompound(word, dict);
    if (guess === undefined) missing.push(word);
    else guessed.set(word, guess);
  }
  return { guessed, missing };
}

/** Dictionary lines (`word PH ON ES`) for `prons`, ready to append to a dictionary file. */
export function dictionaryLines(prons: ReadonlyMap<string, string>): string {
  return [...prons].map(([word, pron]) => `${word} ${pron}\n`).join('');
}
