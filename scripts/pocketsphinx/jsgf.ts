/**
 * Converts a parsed context into a JSGF grammar for CMU PocketSphinx: every expression becomes one
 * alternative of `public <command>`, every slot type a rule `<slot_TYPE>`, every macro a rule `<macro_NAME>`.
 * Rhino's required choices `[a, b]` become `( a | b )`, its optionals `(a)` become `[ a ]`.
 */
import type { ContextSpec, ExprNode } from '../../src/context/index.ts';

/** Options of {@link contextToJsgf}. */
export interface JsgfOptions {
  /** The grammar's name (`grammar NAME;`); sanitised to a JSGF identifier. Default `command`. */
  readonly name?: string;
  /** The public rule's name. Default `command`. */
  readonly publicRule?: string;
  /**
   * Merge expressions that begin with the same nodes into one alternative (`a ( b | c )` for `a b | a c`).
   * The language is the same; pocketsphinx's search graph gets much smaller when many expressions share a
   * beginning (coffee_maker's permutations). Default `false`: one alternative per expression.
   */
  readonly factor?: boolean;
}

/** Default {@link JsgfOptions}. */
export const defaultJsgfOptions: Required<JsgfOptions> = {
  name: 'command',
  publicRule: 'command',
  factor: false,
};

/** `text` with every character outside `[A-Za-z0-9_]` replaced by `_` (slot types may contain dots). */
function identifier(text: string): string {
  const id = text.replace(/[^A-Za-z0-9_]/g, '_');
  return id === '' ? '_' : id;
}

/** Assigns JSGF rule names, keeping them unique when sanitising makes two names collide. */
class RuleNames {
  private readonly used = new Set<string>();
  private readonly names = new Map<string, string>();

  constructor(reserved: string) {
    this.used.add(reserved);
  }

  /** The rule name (without brackets) for `key`, e.g. `slot_size` for key `slot:size`. */
  get(prefix: string, name: string): string {
    const key = `${prefix}:${name}`;
    let rule = this.names.get(key);
    if (rule !== undefined) return rule;
    const base = `${prefix}_${identifier(name)}`;
    rule = base;
    for (let n = 2; this.used.has(rule); n++) rule = `${base}_${n}`;
    this.used.add(rule);
    this.names.set(key, rule);
    return rule;
  }
}

/**
 * The JSGF grammar of a context (see module note), one expression per line of the public rule, slot rules in
 * the order of `spec.slots`, macro rules in the order first used. Only slot types that some expression uses
 * get a rule (pocketsphinx compiles every rule, used or not).
 *
 * @returns the grammar text, ending in a newline.
 */
export function contextToJsgf(spec: ContextSpec, options: JsgfOptions = {}): string {
  const { name, publicRule, factor } = { ...defaultJsgfOptions, ...options };
  const names = new RuleNames(identifier(publicRule));
  const usedSlots = new Set<string>();
  const macros = new Map<string, string>(); // rule name to its body

  const sequence = (nodes: readonly ExprNode[]): string => nodes.map(node).join(' ');
  const alternatives = (options: readonly (readonly ExprNode[])[]): string =>
    options.map(sequence).join(' | ');
  const node = (n: ExprNode): string => {
    if (n.kind === 'word') return n.word;
    if (n.kind === 'slot') {
      usedSlots.add(n.slotType);
      return `<${names.get('slot', n.slotType)}>`;
    }
    let body: string;
    if (n.macro !== undefined) {
      const rule = names.get('macro', n.macro);
      // Every use of a macro expands to the same options, so the first use defines the rule.
      if (!macros.has(rule)) macros.set(rule, alternatives(n.options));
      body = `<${rule}>`;
    } else {
      body = alternatives(n.options);
    }
    if (n.optional) return `[ ${body} ]`;
    return n.macro !== undefined || n.options.length === 1 ? body : `( ${body} )`;
  };

  // Left-factors sequences: groups them by their first node's text, in order of first appearance.
  const factored = (seqs: readonly (readonly ExprNode[])[]): string[] => {
    const groups = new Map<string, (readonly ExprNode[])[]>();
    for (const seq of seqs) {
      const head = node(seq[0] as ExprNode);
      groups.set(head, [...(groups.get(head) ?? []), seq.slice(1)]);
    }
    return [...groups].map(([head, rests]) => {
      const more = rests.filter((rest) => rest.length > 0);
      if (more.length === 0) return head;
      const tails = factored(more);
      const body = tails.length === 1 ? (tails[0] as string) : `( ${tails.join(' | ')} )`;
      // An expression that ends here makes the rest optional (JSGF has no empty alternative).
      return more.length < rests.length ? `${head} [ ${tails.join(' | ')} ]` : `${head} ${body}`;
    });
  };
  const expressions = factor
    ? factored(spec.expressions.map((e) => e.nodes))
    : spec.expressions.map((e) => sequence(e.nodes));
  const lines = [
    '#JSGF V1.0;',
    '',
    `grammar ${identifier(name)};`,
    '',
    `public <${identifier(publicRule)}> =`,
    ...expressions.map(
      (e, i) => `${i === 0 ? '    ' : '  | '}${e}${i === expressions.length - 1 ? ';' : ''}`,
    ),
  ];
  const rules: string[] = [];
  for (const [slotType, values] of spec.slots) {
    if (!usedSlots.has(slotType)) continue;
    rules.push(`<${names.get('slot', slotType)}> = ${values.map((v) => v.words.join(' ')).join(' | ')};`);
  }
  for (const [rule, body] of macros) rules.push(`<${rule}> = ${body};`);
  if (rules.length > 0) lines.push('', ...rules);
  return `${lines.join('\n')}\n`;
}

/** Every word a context can produce (expressions, used or unused slot values, macros), sorted, unique. */
export function contextWords(spec: ContextSpec): string[] {
  const words = new Set<string>();
  const visit = (nodes: readonly ExprNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'word') words.add(n.word);
      else if (n.kind === 'choice') for (const option of n.options) visit(option);
    }
  };
  for (const e of spec.expressions) visit(e.nodes);
  for (const values of spec.slots.values()) for (const v of values) for (const w of v.words) words.add(w);
  return [...words].sort();
}
