import type { ContextGraph } from './compile.ts';

/** What a path through a {@link ContextGraph} means. */
export interface PathResult {
  /** The intent of the final node the path ends at; `null` for a path that stops short of a final node. */
  readonly intent: string | null;
  /** Slot name to value as written in the context, for every slot the path opened and closed. */
  readonly slots: Readonly<Record<string, string>>;
  /** The words on the path, in order. */
  readonly words: readonly string[];
  /** Where each closed slot's value is in `words`: `words.slice(from, to)`. */
  readonly slotSpans: readonly SlotSpan[];
}

/** A slot's value on a path: its words are `words.slice(from, to)`. */
export interface SlotSpan {
  readonly slot: string;
  readonly slotType: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Reads the meaning of a path of arcs, such as a decoder's best path.
 *
 * @param arcIndices indices into `graph.arcs`, contiguous (each arc starts where the previous one ends)
 *   and starting at `graph.start`. An empty path stands at the start node.
 * @throws RangeError on an unknown arc index or a broken path.
 */
export function pathToResult(graph: ContextGraph, arcIndices: readonly number[]): PathResult {
  const words: string[] = [];
  const slots = new Map<string, string>();
  const slotSpans: SlotSpan[] = [];
  let open: { slot: string; slotType: string; from: number } | undefined;
  let node = graph.start;
  for (const index of arcIndices) {
    const arc = graph.arcs[index];
    if (arc === undefined)
      throw new RangeError(`arc ${index} is not in the graph (${graph.arcs.length} arcs)`);
    if (arc.from !== node)
      throw new RangeError(`arc ${index} starts at node ${arc.from}, but the path is at node ${node}`);
    node = arc.to;
    if (arc.word !== null) words.push(arc.word);
    if (arc.tag?.type === 'slotStart') {
      open = { slot: arc.tag.slot, slotType: arc.tag.slotType, from: words.length };
    } else if (arc.tag?.type === 'slotEnd' && open !== undefined) {
      const spoken = words.slice(open.from).join(' ');
      slots.set(open.slot, graph.slotValues.get(open.slotType)?.get(spoken) ?? spoken);
      slotSpans.push({ ...open, to: words.length });
      open = undefined;
    }
  }
  return { intent: graph.finals.get(node) ?? null, slots: Object.fromEntries(slots), words, slotSpans };
}
