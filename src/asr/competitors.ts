import { readFileSync } from 'node:fs';
import type { ContextGraph } from '../context/index.ts';
import type { Lexicon } from './lexicon.ts';

/**
 * The intent of a competitor path: a common word said instead of a command. A result whose best parse ends
 * here is "not understood" (src/pipeline/understand.ts). A context with an intent of this name gets no
 * competitors.
 */
export const competitorIntent = '__competitor__';

/** The shipped list (models/lexicon/competitors.txt): words by how often people say them to assistants. */
export const defaultCompetitorsPath = new URL('../../models/lexicon/competitors.txt', import.meta.url);

/** The first `count` words of the shipped list, most frequent first. */
export function shippedCompetitors(count: number): string[] {
  if (!Number.isInteger(count) || count < 0) throw new TypeError(`competitors: a count ≥ 0, got ${count}`);
  if (count === 0) return [];
  const words = readFileSync(defaultCompetitorsPath, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return words.slice(0, count);
}

/**
 * The context graph with common words beside its commands: from the start node, each word of `words` that the
 * context does not use and that does not sound like one of its words (a shared pronunciation in `lexicon`:
 * `know` beside "no") is an arc to one new final node of intent {@link competitorIntent}. A person who says
 * one of them ("one" near the command "on") then finds a path that fits better than the command, and the
 * utterance is not understood, where the phone loop behind the rejection statistic knows no words
 * (docs/real-speech/oov-competitors/). Words the lexicon does not know are left out. The graph's `spec` is
 * the context's, unchanged: the competitors are no intent of it.
 */
export function withCompetitors(
  graph: ContextGraph,
  words: readonly string[],
  lexicon: Lexicon,
): ContextGraph {
  if (graph.spec.intents.includes(competitorIntent)) return graph;
  const own = new Set(graph.words);
  const sounds = new Set<string>();
  for (const word of own) for (const p of lexicon.pronounce(word) ?? []) sounds.add(p.join(' '));
  const chosen = [...new Set(words)].filter((word) => {
    const prons = lexicon.pronounce(word);
    return !own.has(word) && prons !== undefined && !prons.some((p) => sounds.has(p.join(' ')));
  });
  if (chosen.length === 0) return graph;
  const node = graph.nodeCount;
  const first = graph.arcs.length;
  const arcs = [...graph.arcs, ...chosen.map((word) => ({ from: graph.start, to: node, word }))];
  const arcsFrom = graph.arcsFrom.map((out, n) =>
    n === graph.start ? [...out, ...chosen.map((_, i) => first + i)] : out,
  );
  arcsFrom.push([]);
  return {
    ...graph,
    nodeCount: node + 1,
    finals: new Map([...graph.finals, [node, competitorIntent]]),
    arcs,
    arcsFrom,
    words: [...new Set([...graph.words, ...chosen])].sort(),
  };
}
