import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The lexicon shipped with the project: CMUdict without stress marks (see models/lexicon/README.md). */
export const defaultLexiconPath = fileURLToPath(
  new URL('../../models/lexicon/cmudict.txt.gz', import.meta.url),
);

/** Word → pronunciations (phone sequences), loaded once and shared by every session. */
export class Lexicon {
  private constructor(private readonly entries: ReadonlyMap<string, readonly (readonly string[])[]>) {}

  /** Reads a "word PH ON ES" per line file, gzipped or not. */
  static async load(path: string = defaultLexiconPath): Promise<Lexicon> {
    const raw = await readFile(path);
    const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    return Lexicon.fromText(text);
  }

  /** Builds a lexicon from "word PH ON ES" lines (tests and small custom lexicons). */
  static fromText(text: string): Lexicon {
    const entries = new Map<string, string[][]>();
    for (const line of text.split('\n')) {
      const parts = line.trim().split(/\s+/);
      const word = parts[0];
      if (!word || parts.length < 2) continue;
      let prons = entries.get(word);
      if (!prons) entries.set(word, (prons = []));
      prons.push(parts.slice(1));
    }
    return new Lexicon(entries);
  }

  /** Pronunciations of a lower-case word, or undefined when the word is unknown. */
  pronounce(word: string): readonly (readonly string[])[] | undefined {
    return this.entries.get(word);
  }

  /** Number of words. */
  get size(): number {
    return this.entries.size;
  }
}
