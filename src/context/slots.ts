import { ContextError } from './errors.ts';
import { normalizeWords } from './normalize.ts';
import { type SlotLimits, defaultSlotLimits, slotLimitExceeded } from './slotLimits.ts';
import type { ContextSpec, SlotValue } from './types.ts';

/**
 * Checks one slot value and returns it with its words, or the reason it is not a valid value:
 * it must be a string with at least one word and no expression syntax (`[ ] ( ) $ @`).
 */
export function toSlotValue(value: unknown): SlotValue | { readonly error: string } {
  if (typeof value !== 'string') return { error: `slot value must be a string, got ${describe(value)}` };
  if (/[[\]()$@]/.test(value)) {
    return { error: `slot value "${value}" contains expression syntax; slot values are plain phrases` };
  }
  const words = normalizeWords(value);
  if (words.length === 0) return { error: `slot value "${value}" has no words` };
  return { text: value.trim(), words };
}

/**
 * Appends values to a list, skipping any whose words equal an earlier value's (the first spelling wins).
 */
export function appendUnique(list: SlotValue[], values: readonly SlotValue[]): SlotValue[] {
  const seen = new Set(list.map((v) => v.words.join(' ')));
  for (const value of values) {
    const key = value.words.join(' ');
    if (!seen.has(key)) {
      seen.add(key);
      list.push(value);
    }
  }
  return list;
}

/**
 * Returns a new spec whose slot types have run-time values added or replaced, e.g. a user's own
 * room names. Expressions, macros and replies are shared with `spec`.
 *
 * @param overrides slot type (not slot name) to values: non-empty strings of words, as in a context file.
 * @param mode `'add'` appends values not already present (compared by normalised words);
 *   `'replace'` makes them the slot type's only values.
 * @param limits how many values, how long and how many bytes in all (default {@link defaultSlotLimits}).
 * @throws ContextError (`VX_BAD_CONTEXT`, no line) for an unknown slot type, a bad value, values over the
 *   limits, or a replacement with no values.
 */
export function withSlotValues(
  spec: ContextSpec,
  overrides: Readonly<Record<string, readonly string[]>>,
  mode: 'add' | 'replace',
  limits: SlotLimits = defaultSlotLimits,
): ContextSpec {
  const fail = (detail: string): never => {
    throw new ContextError(`slot override: ${detail}`, spec.source, undefined);
  };
  if (mode !== 'add' && mode !== 'replace') fail(`mode must be 'add' or 'replace', got ${describe(mode)}`);
  const over = slotLimitExceeded(overrides, limits);
  if (over !== null) fail(over);
  const slots = new Map(spec.slots);
  for (const [slotType, raw] of Object.entries(overrides)) {
    const current = slots.get(slotType);
    if (current === undefined) {
      return fail(`unknown slot type '${slotType}' (known: ${[...spec.slots.keys()].join(', ')})`);
    }
    if (!Array.isArray(raw)) return fail(`values for '${slotType}' must be an array of strings`);
    const values = raw.map((value: unknown) => {
      const checked = toSlotValue(value);
      return 'error' in checked ? fail(`${slotType}: ${checked.error}`) : checked;
    });
    if (mode === 'replace' && values.length === 0) fail(`replacing '${slotType}' with no values`);
    slots.set(slotType, appendUnique(mode === 'add' ? [...current] : [], values));
  }
  return { ...spec, slots };
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}
