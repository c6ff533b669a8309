import type { ContextSpec, ExprNode, SlotValue } from './types.ts';

/** Marks where a slot's words begin or end on an epsilon arc. */
export type ArcTag =
  | { readonly type: 'slotStart'; readonly slot: string; readonly slotType: string }
  | { readonly type: 'slotEnd'; readonly slot: string };

/** One arc of a {@link ContextGraph}: a word, or an epsilon (`word === null`) that may carry a slot tag. */
export interface Arc {
  readonly from: number;
  readonly to: number;
  readonly word: string | null;
  readonly tag?: ArcTag;
}

/**
 * A context compiled into a word-level acyclic automaton. Nodes are numbered in topological order
 * (every arc has `from < to`), `start` is 0, and each intent has exactly one final node, which has no
 * outgoing arcs. Epsilon arcs come from optionals and from slot boundaries (tagged `slotStart`/`slotEnd`).
 * Identical prefixes of expressions and identical suffixes anywhere are shared.
 */
export interface ContextGraph {
  readonly nodeCount: number;
  readonly start: number;
  /** Final node to its intent. */
  readonly finals: ReadonlyMap<number, string>;
  readonly arcs: readonly Arc[];
  /** For each node, the indices into `arcs` of its outgoing arcs (in expression order). */
  readonly arcsFrom: readonly (readonly number[])[];
  /** The vocabulary: every word on an arc, sorted, without duplicates. */
  readonly words: readonly string[];
  /** Slot type to (value's words joined by single spaces to the value as written). */
  readonly slotValues: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The spec the graph was compiled from. */
  readonly spec: ContextSpec;
}

interface Label {
  readonly word: string | null;
  readonly tag?: ArcTag;
}

interface Edge {
  readonly label: Label;
  readonly to: number;
}

/** Builds the unshared automaton: a trie over each expression's top-level nodes, slot values as tries. */
class Builder {
  readonly out: Edge[][] = [];
  readonly finals = new Map<number, string>();
  private readonly prefixes = new Map<string, number>();

  constructor(private readonly slots: ReadonlyMap<string, readonly SlotValue[]>) {}

  node(): number {
    this.out.push([]);
    return this.out.length - 1;
  }

  arc(from: number, to: number, label: Label): void {
    (this.out[from] as Edge[]).push({ label, to });
  }

  /** Adds the path of one expression from `start`, sharing top-level prefixes with earlier ones. */
  expression(start: number, nodes: readonly ExprNode[], intent: string): void {
    let current = start;
    for (const node of nodes)
      current = this.shared(current, JSON.stringify(node), (next) => this.element(node, current, next));
    this.shared(current, `#${intent}`, (final) => {
      this.arc(current, final, { word: null });
      this.finals.set(final, intent);
    });
  }

  private shared(from: number, key: string, build: (to: number) => void): number {
    const full = `${from} ${key}`;
    const known = this.prefixes.get(full);
    if (known !== undefined) return known;
    const to = this.node();
    build(to);
    this.prefixes.set(full, to);
    return to;
  }

  private element(node: ExprNode, from: number, to: number): void {
    if (node.kind === 'word') {
      this.arc(from, to, { word: node.word });
    } else if (node.kind === 'choice') {
      for (const option of node.options) this.sequence(option, from, to);
      if (node.optional) this.arc(from, to, { word: null });
    } else {
      const root = this.node();
      this.arc(from, root, {
        word: null,
        tag: { type: 'slotStart', slot: node.slot, slotType: node.slotType },
      });
      this.valueTrie(this.slots.get(node.slotType) ?? [], root, to, node.slot);
    }
  }

  private sequence(nodes: readonly ExprNode[], from: number, to: number): void {
    let current = from;
    nodes.forEach((node, i) => {
      const next = i === nodes.length - 1 ? to : this.node();
      this.element(node, current, next);
      current = next;
    });
  }

  private valueTrie(values: readonly SlotValue[], root: number, to: number, slot: string): void {
    const children = new Map<string, number>();
    const ended = new Set<number>();
    for (const value of values) {
      let current = root;
      for (const word of value.words) {
        const key = `${current} ${word}`;
        let child = children.get(key);
        if (child === undefined) {
          child = this.node();
          children.set(key, child);
          this.arc(current, child, { word });
        }
        current = child;
      }
      if (!ended.has(current)) {
        ended.add(current);
        this.arc(current, to, { word: null, tag: { type: 'slotEnd', slot } });
      }
    }
  }
}

function labelKey(label: Label): string {
  if (label.word !== null) return `w${label.word}`;
  if (label.tag === undefined) return 'e';
  return label.tag.type === 'slotStart' ? `s${label.tag.slot}:${label.tag.slotType}` : `x${label.tag.slot}`;
}

/** Nodes reachable from `root` in post-order (every node after all nodes it leads to). */
function postOrder(out: readonly (readonly Edge[])[], root: number): number[] {
  const order: number[] = [];
  const seen = new Uint8Array(out.length);
  const stack: [node: number, next: number][] = [[root, 0]];
  seen[root] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [number, number];
    const edges = out[top[0]] as readonly Edge[];
    const edge = edges[top[1]++];
    if (edge === undefined) {
      order.push(top[0]);
      stack.pop();
    } else if (seen[edge.to] === 0) {
      seen[edge.to] = 1;
      stack.push([edge.to, 0]);
    }
  }
  return order;
}

/**
 * Compiles a context into a word-level acyclic automaton (see {@link ContextGraph}). Every path from
 * `start` to a final node spells one sentence of the grammar, with slot words between `slotStart` and
 * `slotEnd` arcs. Deterministic: the same spec gives the same graph.
 */
export function compileContext(spec: ContextSpec): ContextGraph {
  const builder = new Builder(spec.slots);
  const start = builder.node();
  for (const expression of spec.expressions) builder.expression(start, expression.nodes, expression.intent);
  const out = builder.out;

  // Share suffixes: merge nodes with the same finality and the same outgoing (label, merged target) set,
  // visiting targets before sources so that targets are already merged.
  const representative = new Int32Array(out.length).fill(-1);
  const bySignature = new Map<string, number>();
  for (const node of postOrder(out, start)) {
    const edges = (out[node] as Edge[]).map((e) => `${labelKey(e.label)}>${representative[e.to]}`);
    const signature = `${builder.finals.get(node) ?? ''}|${[...new Set(edges)].sort().join('|')}`;
    representative[node] = bySignature.get(signature) ?? node;
    bySignature.set(signature, representative[node] as number);
  }
  const merged: Edge[][] = out.map((edges) =>
    edges.map((e) => ({ label: e.label, to: representative[e.to] as number })),
  );

  // Renumber the surviving nodes in topological order (reverse post-order), start first.
  const order = postOrder(merged, start).reverse();
  const id = new Int32Array(out.length).fill(-1);
  order.forEach((node, i) => (id[node] = i));
  const arcs: Arc[] = [];
  const arcsFrom: number[][] = [];
  const finals = new Map<number, string>();
  const words = new Set<string>();
  for (const node of order) {
    const from = id[node] as number;
    const indices: number[] = [];
    const seen = new Set<string>();
    for (const { label, to } of merged[node] as Edge[]) {
      const key = `${labelKey(label)}>${to}`;
      if (seen.has(key)) continue;
      seen.add(key);
      indices.push(arcs.length);
      arcs.push({ from, to: id[to] as number, ...label });
      if (label.word !== null) words.add(label.word);
    }
    arcsFrom.push(indices);
    const intent = builder.finals.get(node);
    if (intent !== undefined) finals.set(from, intent);
  }

  const slotValues = new Map<string, Map<string, string>>();
  for (const [slotType, values] of spec.slots) {
    slotValues.set(slotType, new Map(values.map((v) => [v.words.join(' '), v.text])));
  }
  return {
    nodeCount: order.length,
    start: 0,
    finals,
    arcs,
    arcsFrom,
    words: [...words].sort(),
    slotValues,
    spec,
  };
}
