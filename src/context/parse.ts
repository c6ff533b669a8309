import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { parseExpression } from './expression.ts';
import { readReplies } from './replies.ts';
import { appendUnique, toSlotValue } from './slots.ts';
import type { ContextSpec, ExprNode, Expression, SlotValue } from './types.ts';
import { entries, expectMap, readYaml, rejectUnknownKeys, type YamlSource } from './yaml-source.ts';

const CONTEXT_KEYS = ['expressions', 'slots', 'macros', 'replies'] as const;

/**
 * Parses a context in Picovoice Rhino's YAML format, plus our optional `replies:` map:
 *
 * ```yaml
 * context:
 *   expressions: { intent: ["[turn, switch] $state:state the lights (please)", ...] }
 *   slots: { state: ["on", "off"] }
 *   macros: { polite: ["please", "kindly"] }       # optional, used as @polite
 *   replies: { intent: "Turning {state} the lights." }  # optional, see renderReply
 * ```
 *
 * Words are normalised (lower case, inner apostrophes kept, other punctuation dropped). Duplicate slot
 * values (same words) are dropped, the first spelling wins.
 *
 * @param yamlText the file's text.
 * @param source where it came from (a path or a label), used in errors and kept as `spec.source`.
 * @throws ContextError (`VX_BAD_CONTEXT`) with the 1-based line of the offending expression, slot value,
 *   macro or reply: invalid YAML, missing `context:` or `expressions:`, unknown keys, non-string or empty
 *   expressions, unbalanced brackets, empty choices, unknown slot types or macros, bad slot values, bad replies.
 */
export function parseContext(yamlText: string, source: string): ContextSpec {
  const yaml = readYaml(yamlText, source);
  const root = yaml.root;
  if (!isMap(root) || !root.has('context')) {
    return yaml.fail("missing 'context:' key (a context file is a YAML map with a 'context:' key)", root);
  }
  rejectUnknownKeys(yaml, root, ['context'], 'the file (only `context:` is allowed at the top)');
  const contextPair = root.items[0];
  const context = expectMap(yaml, root.get('context', true), '`context:`', contextPair?.key);
  rejectUnknownKeys(yaml, context, CONTEXT_KEYS, '`context:`');

  const slots = readSlots(yaml, context.get('slots', true), keyOf(context, 'slots'));
  const macros = readMacros(yaml, context.get('macros', true), keyOf(context, 'macros'));
  const expressionsNode = context.get('expressions', true);
  if (expressionsNode === undefined) yaml.fail("missing 'expressions:' under 'context:'", contextPair?.key);
  const expressions = readExpressions(yaml, expressionsNode, keyOf(context, 'expressions'), slots, macros);
  const repliesNode = context.get('replies', true);
  const replies =
    repliesNode === undefined
      ? new Map<string, string>()
      : readReplies(yaml, repliesNode, keyOf(context, 'replies'), expressions);

  return {
    source,
    intents: [...new Set(expressions.map((e) => e.intent))],
    expressions,
    slots,
    macros: new Map([...macros].map(([name, m]) => [name, m.phrases])),
    replies,
  };
}

/** The key node of `key` in `map`, for error lines. */
function keyOf(map: YAMLMap, key: string): unknown {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key;
}

/** The strings of a YAML list; fails at the first item that is not a string, or on an empty list. */
function readStringList(
  yaml: YamlSource,
  node: unknown,
  at: unknown,
  what: string,
): { text: string; line: number }[] {
  if (!isSeq(node)) return yaml.fail(`${what} must be a list`, node ?? at);
  if (node.items.length === 0) yaml.fail(`${what} is an empty list`, node);
  return node.items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string') {
      const got = isScalar(item) ? (item.value === null ? 'null' : typeof item.value) : 'a nested collection';
      return yaml.fail(`${what}: every item must be a string, got ${got}`, item ?? node);
    }
    return { text: item.value, line: yaml.lineOf(item) };
  });
}

function readSlots(yaml: YamlSource, node: unknown, at: unknown): Map<string, SlotValue[]> {
  const slots = new Map<string, SlotValue[]>();
  if (node === undefined || (isScalar(node) && node.value === null)) return slots;
  for (const { key, pair } of entries(expectMap(yaml, node, '`slots:`', at))) {
    const values = readStringList(yaml, pair.value, pair.key, `slot type '${key}'`).map(({ text, line }) => {
      const value = toSlotValue(text);
      return 'error' in value ? yaml.fail(`slot type '${key}': ${value.error}`, line) : value;
    });
    slots.set(key, appendUnique([], values));
  }
  return slots;
}

interface Macro {
  readonly phrases: string[];
  readonly options: (readonly ExprNode[])[];
}

function readMacros(yaml: YamlSource, node: unknown, at: unknown): Map<string, Macro> {
  const macros = new Map<string, Macro>();
  if (node === undefined || (isScalar(node) && node.value === null)) return macros;
  for (const { key, pair } of entries(expectMap(yaml, node, '`macros:`', at))) {
    const items = readStringList(yaml, pair.value, pair.key, `macro '${key}'`);
    const options = items.map(({ text, line }) => {
      const scope = { source: yaml.source, line, slotTypes: null, macros: null };
      return parseExpression(text, scope).nodes;
    });
    macros.set(key, { phrases: items.map((i) => i.text), options });
  }
  return macros;
}

function readExpressions(
  yaml: YamlSource,
  node: unknown,
  at: unknown,
  slots: ReadonlyMap<string, unknown>,
  macros: ReadonlyMap<string, Macro>,
): Expression[] {
  const slotTypes = new Set(slots.keys());
  const macroOptions = new Map([...macros].map(([name, m]) => [name, m.options]));
  const expressions: Expression[] = [];
  const map = expectMap(yaml, node, '`expressions:`', at);
  if (map.items.length === 0) yaml.fail("'expressions:' has no intents", node ?? at);
  for (const { key: intent, pair } of entries(map)) {
    for (const { text, line } of readStringList(
      yaml,
      pair.value,
      pair.key,
      `expressions of intent '${intent}'`,
    )) {
      const parsed = parseExpression(text, { source: yaml.source, line, slotTypes, macros: macroOptions });
      expressions.push({ intent, text, line, nodes: parsed.nodes, slots: parsed.slots });
    }
  }
  return expressions;
}
