import type { ContextGraph } from './compile.ts';
import { normalizeWords } from './normalize.ts';
import type { ContextSpec, ExprNode, IntentResult, SlotValue } from './types.ts';

/** Per-spec lookups built once: slot values by first word, and each expression's possible first words. */
interface MatchIndex {
  /** Slot type to (first word to the values starting with it). */
  readonly values: Map<string, Map<string, SlotValue[]>>;
  /** Per expression (same order as `spec.expressions`), the words a match can start with. */
  readonly firstWords: Set<string>[];
}

const indexes = new WeakMap<ContextSpec, MatchIndex>();

function matchIndex(spec: ContextSpec): MatchIndex {
  let index = indexes.get(spec);
  if (index !== undefined) return index;
  const values = new Map<string, Map<string, SlotValue[]>>();
  for (const [slotType, list] of spec.slots) {
    const byFirst = new Map<string, SlotValue[]>();
    for (const value of list) {
      const first = value.words[0] as string;
      byFirst.set(first, [...(byFirst.get(first) ?? []), value]);
    }
    values.set(slotType, byFirst);
  }
  // Words that can begin `nodes`; `nullable` is whether every node can be skipped.
  const starts = (nodes: readonly ExprNode[], into: Set<string>): { nullable: boolean } => {
    for (const node of nodes) {
      if (node.kind === 'word') {
        into.add(node.word);
        return { nullable: false };
      }
      if (node.kind === 'slot') {
        for (const first of values.get(node.slotType)?.keys() ?? []) into.add(first);
        return { nullable: false };
      }
      const nullable = node.options.map((option) => starts(option, into).nullable).some(Boolean);
      if (!node.optional && !nullable) return { nullable: false };
    }
    return { nullable: true };
  };
  const firstWords = spec.expressions.map((expression) => {
    const set = new Set<string>();
    starts(expression.nodes, set);
    return set;
  });
  index = { values, firstWords };
  indexes.set(spec, index);
  return index;
}

/**
 * Parses a transcript exactly against a context's grammar.
 *
 * The text is normalised like the context (case and punctuation do not matter) and must match a whole
 * expression, with every slot filled by a value from its slot type's list. When several parses exist the
 * first wins: expressions in file order, then choice options in written order, an optional phrase taken
 * before skipped, slot values in list order.
 *
 * @param grammar a spec, or a graph compiled from one (its `spec` is used).
 * @returns the intent and its slots (slot name to value as written in the context), or `null` when the
 *   text is not a sentence of the grammar.
 */
export function parseText(grammar: ContextSpec | ContextGraph, text: string): IntentResult | null {
  const spec = 'arcs' in grammar ? grammar.spec : grammar;
  const words = normalizeWords(text);
  if (words.length === 0) return null;
  const { values, firstWords } = matchIndex(spec);
  const slots = new Map<string, string>();

  // Continuation-passing backtracking: `next(pos)` is what must still match after a node ends at `pos`.
  const sequence = (
    nodes: readonly ExprNode[],
    i: number,
    pos: number,
    next: (pos: number) => boolean,
  ): boolean => {
    const node = nodes[i];
    if (node === undefined) return next(pos);
    const rest = (p: number): boolean => sequence(nodes, i + 1, p, next);
    if (node.kind === 'word') return words[pos] === node.word && rest(pos + 1);
    if (node.kind === 'choice') {
      for (const option of node.options) if (sequence(option, 0, pos, rest)) return true;
      return node.optional && rest(pos);
    }
    for (const value of values.get(node.slotType)?.get(words[pos] ?? '') ?? []) {
      if (!value.words.every((w, j) => words[pos + j] === w)) continue;
      slots.set(node.slot, value.text);
      if (rest(pos + value.words.length)) return true;
      slots.delete(node.slot);
    }
    return false;
  };

  for (const [e, expression] of spec.expressions.entries()) {
    if (!firstWords[e]?.has(words[0] as string)) continue;
    slots.clear();
    if (sequence(expression.nodes, 0, 0, (pos) => pos === words.length)) {
      return { intent: expression.intent, slots: Object.fromEntries(slots) };
    }
  }
  return null;
}
