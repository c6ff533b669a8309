import type { ContextGraph } from '../context/index.ts';
import type { HmmGraphOptions } from './hmmGraph.ts';

/** The intent a word loop's paths end in. */
export const wordLoopIntent = 'dictation';

/**
 * A free word loop as a one-node word graph: node 0 is the start and the final node (intent
 * {@link wordLoopIntent}), and every word is an arc from it back to it, so a path is any sequence of the words.
 * It breaks the context graph's rule that arcs go forward (`from < to`) on purpose: the CMU model's HMM graph
 * (src/asr/hmmGraph.ts) then links every word's last phone to every word's first phone with the right triphone
 * contexts, and `pathToResult` reads a path's words as for a context. No word follows another with any
 * preference (no language model); `wordPenalty` of the HMM graph is what keeps it from cutting speech into
 * many short words.
 *
 * @param words the vocabulary: normalized words (lower case), pronounceable (lexicon or spelling rules)
 * @throws RangeError for an empty vocabulary
 */
export function wordLoopGraph(words: Iterable<string>): ContextGraph {
  const vocabulary = [...new Set(words)].sort();
  if (vocabulary.length === 0) throw new RangeError('a word loop needs at least one word');
  const arcs = vocabulary.map((word) => ({ from: 0, to: 0, word }));
  return {
    nodeCount: 1,
    start: 0,
    finals: new Map([[0, wordLoopIntent]]),
    arcs,
    arcsFrom: [arcs.map((_, i) => i)],
    words: vocabulary,
    slotValues: new Map(),
    spec: {
      source: wordLoopIntent,
      intents: [wordLoopIntent],
      expressions: [],
      slots: new Map(),
      macros: new Map(),
      replies: new Map(),
    },
  };
}

/**
 * Path penalties of a word loop's HMM graph (natural log; see {@link HmmGraphOptions}). Without a language
 * model the word insertion penalty alone keeps the search from cutting speech into many short words.
 */
export const wordLoopHmmOptions: Partial<HmmGraphOptions> = { wordPenalty: -10, silencePenalty: -20 };
