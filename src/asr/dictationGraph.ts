import type { ContextGraph } from '../context/index.ts';
import type { Lexicon } from './lexicon.ts';
import { type PhoneGraph, compilePhoneGraph } from './phoneGraph.ts';

/** Settings of {@link dictationGraph}. */
export interface DictationOptions {
  /** Weight of the unigram log-probability against the acoustic score. Default 0.5. */
  lmWeight: number;
  /** Log-score added per word (negative discourages insertions). Default 0. */
  wordPenalty: number;
}

export const defaultDictationOptions: DictationOptions = { lmWeight: 0.5, wordPenalty: 0 };

/**
 * A free word loop for open transcription: any sequence of the given words, each entered with its unigram
 * log-probability (from `counts`). Used to measure word error rate on read speech, and for transcripts of
 * speech that is not a command. Words must be pronounceable (lexicon or the spelling fallback).
 */
export function dictationGraph(
  counts: ReadonlyMap<string, number>,
  lexicon: Lexicon,
  tokenIds: ReadonlyMap<string, number>,
  options: Partial<DictationOptions> = {},
): PhoneGraph {
  const o = { ...defaultDictationOptions, ...options };
  const words = [...counts.keys()].sort();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  // Node 0 is the start; every word goes 0 → 1; node 1 is final and loops back to the words' starts.
  const arcs = words.map((word) => ({ from: 0, to: 1, word }));
  const context: ContextGraph = {
    nodeCount: 2,
    start: 0,
    finals: new Map([[1, 'dictation']]),
    arcs,
    arcsFrom: [arcs.map((_, i) => i), []],
    words,
    slotValues: new Map(),
    spec: {
      source: 'dictation',
      intents: ['dictation'],
      expressions: [],
      slots: new Map(),
      macros: new Map(),
      replies: new Map(),
    },
  };
  const graph = compilePhoneGraph(context, lexicon, tokenIds);
  const entryScore = new Float32Array(graph.stateCount);
  for (let s = 0; s < graph.stateCount; s++) {
    if (graph.stateFirst[s] !== 1) continue;
    const word = words[graph.stateArc[s] as number] as string;
    entryScore[s] = o.lmWeight * Math.log((counts.get(word) ?? 1) / total) + o.wordPenalty;
  }
  const entries = graph.nodeEntries[0] ?? [];
  return { ...graph, nodeEntries: [entries, entries], entryScore };
}
