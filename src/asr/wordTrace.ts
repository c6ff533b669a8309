import type { ContextGraph } from '../context/index.ts';

/**
 * The words entered along a decoded path, newest first: one node per word, shared by the paths that continue
 * it. A node with `arc` -1 is not a word (the HMM decoder marks pauses with it).
 */
export interface WordTrace {
  readonly arc: number;
  /** The epsilon arcs crossed before the word (index into the graph's epsilon paths). */
  readonly epsPath: number;
  /** Frame at which the word's first phone was entered. */
  readonly frame: number;
  readonly prev: WordTrace | null;
}

/** A trace's nodes, oldest first. */
export function traceChain<T extends { readonly prev: T | null }>(trace: T | null): T[] {
  const chain: T[] = [];
  for (let t = trace; t; t = t.prev) chain.push(t);
  return chain.reverse();
}

/**
 * The context arcs (each word's epsilon arcs, then the word's), words and word start frames of a path, oldest
 * first, then the epsilon arcs `finalEps` leads to its intent by (-1: none).
 */
export function tracedPath(
  context: ContextGraph,
  epsPaths: readonly (readonly number[])[],
  chain: readonly WordTrace[],
  finalEps: number,
): { arcs: number[]; words: string[]; wordFrames: number[] } {
  const arcs: number[] = [];
  const words: string[] = [];
  const wordFrames: number[] = [];
  for (const t of chain) {
    if (t.arc < 0) continue;
    arcs.push(...(epsPaths[t.epsPath] ?? []), t.arc);
    words.push(context.arcs[t.arc]?.word ?? '');
    wordFrames.push(t.frame);
  }
  if (finalEps >= 0) arcs.push(...(epsPaths[finalEps] ?? []));
  return { arcs, words, wordFrames };
}
