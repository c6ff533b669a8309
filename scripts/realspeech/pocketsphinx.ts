/**
 * Debian's pocketsphinx on a set's files, as scripts/pocketsphinx/eval.ts runs it: one `pocketsphinx_batch`
 * process per set, the context as a left-factored JSGF grammar, each hypothesis parsed with `parseText`.
 *
 * One difference: a grammar word that CMUdict lacks (speechocean762 has a few: "dv", "quirt", "dora's") gets
 * the pronunciation our own recognizer gives it (`pronounceAny` over our lexicon: apostrophes dropped, a
 * compound, or the word spelled letter by letter), so that both systems hear the same pronunciation; eval.ts
 * guesses compounds only (`checkWords`) and stops with exit 3 where that fails.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lexicon, pronounceAny } from '../../src/asr/index.ts';
import { type ContextSpec, type IntentResult, parseText } from '../../src/context/index.ts';
import { type Hypothesis, decodeBatch } from '../pocketsphinx/batch.ts';
import { DEBIAN_DICT, dictionaryLines, readDictionary } from '../pocketsphinx/dictionary.ts';
import { contextToJsgf, contextWords } from '../pocketsphinx/jsgf.ts';

/** Options of {@link runPocketsphinx}. */
export interface PocketsphinxOptions {
  /** Pronunciation dictionary. Default Debian's cmudict-en-us.dict. */
  readonly dict?: string;
  /** Called after each utterance with the number done so far. */
  readonly onProgress?: (done: number) => void;
  /** More `-flag value` pairs for pocketsphinx_batch (e.g. `-topn 16`); they override ours. */
  readonly extraArgs?: readonly string[];
}

/** What pocketsphinx made of a set's files. */
export interface PocketsphinxRun {
  /** One per file, in order. */
  readonly hypotheses: readonly Hypothesis[];
  /** `parseText` of each hypothesis: `null` when it does not parse (or pocketsphinx gave up). */
  readonly parses: readonly (IntentResult | null)[];
  /** pocketsphinx's own decoding wall time summed over files, ms (model and grammar loading excluded). */
  readonly decodeMs: number;
  /** The process's wall time, ms (loading included). */
  readonly processMs: number;
  /** Grammar words CMUdict lacks, with the pronunciation used (see the module note). */
  readonly guessed: Readonly<Record<string, string>>;
}

/**
 * Decodes `audio` (16 kHz Int16 PCM, one per file) with the context `spec` as a grammar.
 *
 * @param name the grammar's name (any text; sanitised).
 */
export async function runPocketsphinx(
  spec: ContextSpec,
  name: string,
  audio: readonly Int16Array[],
  options: PocketsphinxOptions = {},
): Promise<PocketsphinxRun> {
  const dictPath = options.dict ?? DEBIAN_DICT;
  const dictionary = await readDictionary(dictPath);
  const missing = contextWords(spec).filter((w) => !dictionary.has(w));
  const guessed = new Map<string, string>();
  if (missing.length > 0) {
    const lexicon = await Lexicon.load();
    for (const word of missing) guessed.set(word, (pronounceAny(word, lexicon).prons[0] ?? []).join(' '));
  }
  const folder = await mkdtemp(join(tmpdir(), 'vx-real-ps-'));
  try {
    const jsgf = join(folder, 'grammar.gram');
    await writeFile(jsgf, contextToJsgf(spec, { name, factor: true }));
    let dict = dictPath;
    if (guessed.size > 0) {
      dict = join(folder, 'merged.dict');
      await writeFile(dict, (await readFile(dictPath, 'utf8')) + dictionaryLines(guessed));
    }
    const { hypotheses, processMs } = await decodeBatch(audio, {
      jsgf,
      dict,
      ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return {
      hypotheses,
      parses: hypotheses.map((h) => parseText(spec, h.text)),
      decodeMs: hypotheses.reduce((sum, h) => sum + h.wallMs, 0),
      processMs,
      guessed: Object.fromEntries(guessed),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
