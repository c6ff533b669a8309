import { ContextError } from './errors.ts';
import { normalizeWords } from './normalize.ts';
import type { ChoiceNode, ExprNode } from './types.ts';

/** What an expression may refer to, and where it was written (for errors). */
export interface ExpressionScope {
  readonly source: string;
  /** 1-based line of the expression, reported in errors. */
  readonly line: number;
  /** Known slot types; `null` forbids slot references (inside macros). */
  readonly slotTypes: ReadonlySet<string> | null;
  /** Known macros, already parsed; `null` forbids macro references (inside macros). */
  readonly macros: ReadonlyMap<string, readonly (readonly ExprNode[])[]> | null;
}

/** A parsed expression: its nodes and the slots it can fill (slot name to slot type). */
export interface ParsedExpression {
  readonly nodes: readonly ExprNode[];
  readonly slots: ReadonlyMap<string, string>;
}

interface Group {
  readonly open: '[' | '(';
  /** 1-based column of the opening bracket. */
  readonly col: number;
  readonly options: ExprNode[][];
  current: ExprNode[];
}

const SLOT_REF = /\$([A-Za-z_][\w.]*):([A-Za-z_]\w*)/y;
const MACRO_REF = /@([A-Za-z_]\w*)/y;
const CLOSER: Record<string, '[' | '('> = { ']': '[', ')': '(' };

/**
 * Parses one expression in Rhino syntax: words, `[a, b c]` choices, `(a b)` / `(a, b)` optionals,
 * `$slotType:slotName` slots and `@macro` references. Choices and optionals may nest.
 *
 * @throws ContextError (`VX_BAD_CONTEXT`) on unbalanced brackets, an empty choice or option, a malformed
 *   or unknown slot or macro reference, a slot name filled twice on one path, or an expression that can
 *   match an empty utterance.
 */
export function parseExpression(text: string, scope: ExpressionScope): ParsedExpression {
  const fail = (detail: string): never => {
    throw new ContextError(`${detail} in expression "${text}"`, scope.source, scope.line);
  };
  const stack: Group[] = [];
  const top: ExprNode[] = [];
  const target = (): ExprNode[] => stack.at(-1)?.current ?? top;
  let buffer = '';
  const flush = (): void => {
    for (const word of normalizeWords(buffer)) target().push({ kind: 'word', word });
    buffer = '';
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '[' || ch === '(') {
      flush();
      stack.push({ open: ch, col: i + 1, options: [], current: [] });
    } else if (ch === ']' || ch === ')') {
      flush();
      const group = stack.pop();
      const open = CLOSER[ch] as '[' | '(';
      if (group === undefined) return fail(`unbalanced '${ch}' at column ${i + 1} (no '${open}' before it)`);
      if (group.open !== open) {
        fail(
          `unbalanced brackets: '${group.open}' at column ${group.col} closed by '${ch}' at column ${i + 1}`,
        );
      }
      group.options.push(group.current);
      if (group.options.some((option) => option.length === 0)) {
        fail(`empty choice or option in '${text.slice(group.col - 1, i + 1)}' at column ${group.col}`);
      }
      appendChoice(target(), group.options, group.open === '(');
    } else if (ch === ',') {
      flush();
      const group = stack.at(-1);
      // Outside brackets a comma is punctuation, as in "OK, turn it off".
      if (group !== undefined) {
        group.options.push(group.current);
        group.current = [];
      }
    } else if (ch === '$') {
      flush();
      SLOT_REF.lastIndex = i;
      const match = SLOT_REF.exec(text);
      if (match === null)
        return fail(`malformed slot reference at column ${i + 1} (expected $slotType:slotName)`);
      const [ref, slotType = '', slot = ''] = match;
      if (scope.slotTypes === null) fail(`slot reference '${ref}' is not allowed in a macro`);
      else if (!scope.slotTypes.has(slotType)) {
        const builtIn = slotType.startsWith('pv.') ? ' (built-in slots are not supported)' : '';
        fail(`unknown slot type '${slotType}' in '${ref}'${builtIn}`);
      }
      target().push({ kind: 'slot', slotType, slot });
      i += ref.length;
      continue;
    } else if (ch === '@') {
      flush();
      MACRO_REF.lastIndex = i;
      const match = MACRO_REF.exec(text);
      if (match === null) return fail(`malformed macro reference at column ${i + 1} (expected @macroName)`);
      const [ref, name = ''] = match;
      const options = scope.macros?.get(name);
      if (scope.macros === null) fail(`macro reference '${ref}' is not allowed in a macro`);
      if (options === undefined) return fail(`unknown macro '${name}'`);
      const node: ChoiceNode = { kind: 'choice', options, optional: false, macro: name };
      target().push(node);
      i += ref.length;
      continue;
    } else if (/\s/.test(ch)) {
      flush();
    } else {
      buffer += ch;
    }
    i++;
  }
  flush();
  const open = stack.pop();
  if (open !== undefined) fail(`unbalanced '${open.open}' at column ${open.col} (never closed)`);
  if (top.length === 0) fail('empty expression');
  if (minWords(top) === 0) fail('expression can match an empty utterance (everything in it is optional)');
  return { nodes: top, slots: collectSlots(top, fail) };
}

function appendChoice(target: ExprNode[], options: ExprNode[][], optional: boolean): void {
  // A one-option required group such as "[please]" is just its content.
  const only = options.length === 1 && !optional ? options[0] : undefined;
  if (only !== undefined) target.push(...only);
  else target.push({ kind: 'choice', options, optional });
}

/** The fewest words any path through `nodes` can have. */
function minWords(nodes: readonly ExprNode[]): number {
  let total = 0;
  for (const node of nodes) {
    if (node.kind === 'word' || node.kind === 'slot') total += 1;
    else if (!node.optional) total += Math.min(...node.options.map(minWords));
  }
  return total;
}

/** Slot name to type; fails when one path fills a slot name twice or a name has two types. */
function collectSlots(nodes: readonly ExprNode[], fail: (detail: string) => never): Map<string, string> {
  const types = new Map<string, string>();
  const countOnPath = (seq: readonly ExprNode[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const node of seq) {
      if (node.kind === 'slot') {
        const known = types.get(node.slot);
        if (known !== undefined && known !== node.slotType) {
          fail(`slot '${node.slot}' is used with two slot types ('${known}' and '${node.slotType}')`);
        }
        types.set(node.slot, node.slotType);
        counts.set(node.slot, (counts.get(node.slot) ?? 0) + 1);
      } else if (node.kind === 'choice') {
        const best = new Map<string, number>();
        for (const option of node.options) {
          for (const [slot, n] of countOnPath(option)) best.set(slot, Math.max(n, best.get(slot) ?? 0));
        }
        for (const [slot, n] of best) counts.set(slot, (counts.get(slot) ?? 0) + n);
      }
    }
    return counts;
  };
  for (const [slot, n] of countOnPath(nodes)) {
    if (n > 1) fail(`slot '${slot}' can be filled twice in one utterance`);
  }
  return types;
}
