import { type ContextSpec, compileContext } from '../../context/index.ts';

/** The asr model name that asks for dictation (a `transcribe` with this name), as `info` lists it. */
export const dictationModel = 'dictation';

/**
 * The dictation vocabulary: every word of every served context, sorted. A Home Assistant user who picks
 * dictation wants the words of their commands in an order or phrasing no grammar lists (for Home
 * Assistant's own conversation agent, say), not open English: that vocabulary covers the commands' words,
 * keeps the word loop small (a few hundred words: compiled in a fraction of a second, searched within real
 * time), and words outside it cannot come out (the nearest-sounding words of the vocabulary do instead).
 */
export function dictationVocabulary(specs: readonly ContextSpec[]): string[] {
  const words = new Set<string>();
  for (const spec of specs) for (const word of compileContext(spec).words) words.add(word);
  return [...words].sort();
}

/** The dictation model's description in `info`: what it is, and that it is less accurate than a context. */
export function dictationDescription(words: number): string {
  return (
    `Dictation: any sequence of the ${words} words of the served contexts (a free word loop, no language ` +
    'model, no grammar), for speech no context fits; less accurate than a context, and a word outside ' +
    'that vocabulary comes out as a similar-sounding one'
  );
}
