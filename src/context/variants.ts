import type { ContextGraph } from './compile.ts';
import type { PathResult } from './path.ts';

/**
 * The parses that differ from `parsed` in one slot's value ("a dark roast" → "a light roast", "a medium
 * roast"): each is a path of the same grammar, since a slot takes any value of its type. A second pass (the
 * fusion model) weighs them against the first pass's choice, which the CTC scores alone made.
 */
export function slotVariants(graph: ContextGraph, parsed: PathResult): PathResult[] {
  const out: PathResult[] = [];
  for (const span of parsed.slotSpans) {
    const spoken = parsed.words.slice(span.from, span.to).join(' ');
    for (const [other, written] of graph.slotValues.get(span.slotType) ?? []) {
      if (other === spoken) continue;
      const replacement = other.split(' ');
      const shift = replacement.length - (span.to - span.from);
      out.push({
        intent: parsed.intent,
        slots: { ...parsed.slots, [span.slot]: written },
        words: [...parsed.words.slice(0, span.from), ...replacement, ...parsed.words.slice(span.to)],
        slotSpans: parsed.slotSpans.map((s) =>
          s === span
            ? { ...s, to: s.to + shift }
            : s.from >= span.to
              ? { ...s, from: s.from + shift, to: s.to + shift }
              : s,
        ),
      });
    }
  }
  return out;
}
