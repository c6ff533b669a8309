import { isScalar } from 'yaml';
import { parseReplyTemplate } from './reply.ts';
import type { Expression } from './types.ts';
import { entries, expectMap, type YamlSource } from './yaml-source.ts';

/**
 * Reads a `replies:` map (intent to template) and checks it: every intent exists, every template is a
 * string with valid syntax, and every placeholder is a slot name that some expression of that intent fills.
 *
 * @param node the YAML value of `replies:`.
 * @param expressions the context's expressions, which define the intents and their slot names.
 * @throws ContextError (`VX_BAD_CONTEXT`) at the offending reply's line.
 */
export function readReplies(
  yaml: YamlSource,
  node: unknown,
  at: unknown,
  expressions: readonly Expression[],
): Map<string, string> {
  const slotsByIntent = new Map<string, Set<string>>();
  for (const expression of expressions) {
    const slots = slotsByIntent.get(expression.intent) ?? new Set<string>();
    for (const slot of expression.slots.keys()) slots.add(slot);
    slotsByIntent.set(expression.intent, slots);
  }
  const replies = new Map<string, string>();
  if (isScalar(node) && node.value === null) return replies;
  for (const { key: intent, pair } of entries(expectMap(yaml, node, '`replies:`', at))) {
    const slots = slotsByIntent.get(intent);
    if (slots === undefined) yaml.fail(`reply for unknown intent '${intent}'`, pair.key);
    const value = pair.value;
    if (!isScalar(value) || typeof value.value !== 'string') {
      return yaml.fail(`reply for '${intent}' must be a string`, value ?? pair.key);
    }
    const template = value.value;
    let placeholders: readonly string[];
    try {
      placeholders = parseReplyTemplate(template).placeholders;
    } catch (error) {
      return yaml.fail(`bad reply template for '${intent}': ${(error as Error).message}`, value);
    }
    for (const slot of placeholders) {
      if (!slots.has(slot)) {
        const known = slots.size === 0 ? 'it has no slots' : `its slots: ${[...slots].join(', ')}`;
        yaml.fail(
          `reply for '${intent}' uses {${slot}}, which is not a slot of that intent (${known})`,
          value,
        );
      }
    }
    replies.set(intent, template);
  }
  return replies;
}
