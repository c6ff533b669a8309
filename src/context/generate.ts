import { mulberry32, randomIndex, type Rng } from './prng.ts';
import type { ContextSpec, Expression, ExprNode, IntentResult } from './types.ts';

/** A sentence of a context's grammar with the meaning it was generated for. */
export interface GeneratedSentence extends IntentResult {
  /** Normalised words joined by single spaces. */
  readonly text: string;
}

/**
 * Draws random sentences from a context, deterministically for a given seed.
 *
 * Sampling: an intent uniformly, then one of its expressions uniformly, then each choice option
 * uniformly, each optional phrase with probability 1/2, and each slot value uniformly from its list.
 * So every intent is equally likely whatever its number of expressions, and over many draws every
 * slot value and every option appears.
 *
 * @param count how many sentences (a non-negative integer).
 * @param seed PRNG seed (reduced to an unsigned 32-bit integer).
 * @throws RangeError when `count` is not a non-negative integer.
 */
export function generateSentences(spec: ContextSpec, count: number, seed: number): GeneratedSentence[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const rng = mulberry32(seed);
  const byIntent = new Map<string, Expression[]>();
  for (const expression of spec.expressions) {
    byIntent.set(expression.intent, [...(byIntent.get(expression.intent) ?? []), expression]);
  }
  const groups = [...byIntent.values()];
  const sentences: GeneratedSentence[] = [];
  for (let n = 0; n < count; n++) {
    const group = groups[randomIndex(rng, groups.length)] as Expression[];
    const expression = group[randomIndex(rng, group.length)] as Expression;
    const words: string[] = [];
    const slots = new Map<string, string>();
    emit(spec, expression.nodes, rng, words, slots);
    sentences.push({ text: words.join(' '), intent: expression.intent, slots: Object.fromEntries(slots) });
  }
  return sentences;
}

function emit(
  spec: ContextSpec,
  nodes: readonly ExprNode[],
  rng: Rng,
  words: string[],
  slots: Map<string, string>,
): void {
  for (const node of nodes) {
    if (node.kind === 'word') {
      words.push(node.word);
    } else if (node.kind === 'choice') {
      if (node.optional && rng() < 0.5) continue;
      emit(spec, node.options[randomIndex(rng, node.options.length)] ?? [], rng, words, slots);
    } else {
      const values = spec.slots.get(node.slotType) ?? [];
      const value = values[randomIndex(rng, values.length)];
      if (value === undefined) throw new Error(`slot type '${node.slotType}' has no values`);
      words.push(...value.words);
      slots.set(node.slot, value.text);
    }
  }
}
