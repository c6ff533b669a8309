import type { ContextGraph } from '../context/index.ts';
import type { Lexicon } from './lexicon.ts';
import { type Entry, type FinalExit, wordClosures } from './phoneGraph.ts';
import { pronounceAny } from './pronounce.ts';

/** Where a phone stands in its word, as the CMU model's triphones are keyed: begin, end, internal, single. */
export type WordPosition = 'b' | 'e' | 'i' | 's';

/** What the graph compiler needs of a triphone acoustic model (the CMU en-us model's tables). */
export interface TriphoneInventory {
  /** The silence phone's name (`SIL`): the context at utterance edges and around pauses. */
  readonly silence: string;
  /** Senone ids of a triphone's three emitting states, with the model's fallback for missing triphones. */
  senones(base: string, left: string, right: string, position: WordPosition): readonly number[];
  /**
   * Natural-log transition probabilities of a base phone's HMM, as
   * [stay0, next0, stay1, next1, stay2, exit]; throws for a phone the model does not have.
   */
  transitions(base: string): readonly number[];
}

/** Path penalties of the grammar search, natural log. */
export interface HmmGraphOptions {
  /** Added on entering every word (word insertion penalty). Default -2.8 (pocketsphinx: ln 0.65 × lw 6.5). */
  wordPenalty: number;
  /**
   * Added on entering silence between words (pocketsphinx: ln 0.005 × 6.5 ≈ -34.4). Leading silence and
   * silence after a complete command cost nothing: the utterance segmenter puts silence at both ends.
   * Default -20.
   */
  silencePenalty: number;
}

export const defaultHmmGraphOptions: HmmGraphOptions = { wordPenalty: -2.8, silencePenalty: -20 };

/**
 * A context graph expanded into tied-senone triphone HMMs (three emitting states each, left to right) for
 * Viterbi decoding with the CMU model. Each word arc becomes a chain of phone HMMs; its first phone is
 * instantiated once per distinct senone sequence over its left contexts (the last phones of the words that
 * can precede it, and silence), its last phone once per distinct sequence over its right contexts (the first
 * phones of the words that can follow it, and silence), as pocketsphinx's grammar search does. A word may
 * follow another only through the instances whose contexts agree. Every node has an optional silence HMM.
 */
export interface HmmGraph {
  readonly context: ContextGraph;
  readonly hmmCount: number;
  /** Three senone ids per HMM. */
  readonly senones: Int32Array;
  /** Six natural-log transition scores per HMM: stay0, next0, stay1, next1, stay2, exit. */
  readonly transitions: Float32Array;
  /** The word arc each HMM belongs to; -1 for a silence HMM. */
  readonly hmmArc: Int32Array;
  /** Successors of each HMM (CSR: `succ[succStart[h] … succStart[h+1])`), entered when it is left. */
  readonly succStart: Int32Array;
  readonly succ: Int32Array;
  /** For a successor that starts a new word: the epsilon path crossed before it (index into epsPaths); else -1. */
  readonly succEps: Int32Array;
  /** Score added on taking each successor transition. */
  readonly succPenalty: Float32Array;
  /** The graph node an HMM leaves into when it is a word's last phone or a silence; -1 inside a word. */
  readonly hmmNode: Int32Array;
  /** 1 where leaving the HMM may end the utterance at `hmmNode`'s intent (its right context is silence). */
  readonly hmmCanEnd: Uint8Array;
  /** HMMs entered at the first frame (leading silence, and the first words with silence as left context). */
  readonly startEntries: readonly Entry[];
  /** Per graph node: the intent completed there, reached through epsilon arcs. */
  readonly nodeFinal: readonly (FinalExit | undefined)[];
  /** Per graph node: whether words can follow it. */
  readonly nodeExtendable: Uint8Array;
  readonly epsPaths: readonly (readonly number[])[];
  readonly guessedWords: readonly string[];
  /** The word insertion penalty, also paid by the first word of a path. */
  readonly wordPenalty: number;
}

interface Instance {
  readonly hmm: number;
  /** The contexts (left for a first phone, right for a last phone) this instance stands for. */
  readonly contexts: ReadonlySet<string>;
}

/** One pronunciation of one word arc, as HMM instances. */
interface WordChain {
  readonly arc: number;
  readonly first: string;
  readonly last: string;
  /** Instances of the first phone, by left context. */
  readonly heads: readonly Instance[];
  /** Instances of the last phone, by right context (for a one-phone word: the heads themselves, any right). */
  readonly tails: readonly Instance[];
  readonly single: boolean;
}

/** Expands a context graph with a lexicon and a triphone model into an {@link HmmGraph}. */
export function compileHmmGraph(
  context: ContextGraph,
  lexicon: Lexicon,
  model: TriphoneInventory,
  options: Partial<HmmGraphOptions> = {},
): HmmGraph {
  const o = { ...defaultHmmGraphOptions, ...options };
  const sil = model.silence;
  const { entries, finals, epsPaths } = wordClosures(context);
  const guessed = new Set<string>();
  const prons: (readonly (readonly string[])[])[] = context.arcs.map((arc) => {
    if (arc.word === null) return [];
    const p = pronounceAny(arc.word, lexicon);
    if (p.guessed) guessed.add(arc.word);
    return p.prons.filter((pron) => pron.length > 0);
  });

  // Left contexts of a word arc: the last phones of the words arriving at its start node (through epsilon
  // arcs), and silence. Right contexts of a word arc: the first phones of the words leaving its end node.
  const leftOf = context.arcs.map(() => new Set<string>([sil]));
  const firstPhonesAt: Set<string>[] = [];
  for (let node = 0; node < context.nodeCount; node++) {
    const set = new Set<string>([sil]);
    for (const e of entries[node] ?? []) for (const pron of prons[e.arc] ?? []) set.add(pron[0] as string);
    firstPhonesAt.push(set);
  }
  context.arcs.forEach((arc, index) => {
    if (arc.word === null) return;
    for (const e of entries[arc.to] ?? [])
      for (const pron of prons[index] ?? []) leftOf[e.arc]?.add(pron[pron.length - 1] as string);
  });

  const senones: number[] = [];
  const transitions: number[] = [];
  const hmmArc: number[] = [];
  const hmmNode: number[] = [];
  const hmmCanEnd: number[] = [];
  const edges: { from: number; to: number; eps: number; penalty: number }[] = [];
  const addHmm = (base: string, sen: readonly number[], arc: number, node: number, canEnd: boolean) => {
    senones.push(sen[0] as number, sen[1] as number, sen[2] as number);
    transitions.push(...model.transitions(base));
    hmmArc.push(arc);
    hmmNode.push(node);
    hmmCanEnd.push(canEnd ? 1 : 0);
    return hmmArc.length - 1;
  };
  /** One HMM per distinct senone sequence over the contexts. */
  const instances = (
    contexts: Iterable<string>,
    senonesFor: (ctx: string) => readonly number[],
    make: (sen: readonly number[], ctxs: Set<string>) => number,
  ): Instance[] => {
    const byKey = new Map<string, { sen: readonly number[]; ctxs: Set<string> }>();
    for (const ctx of contexts) {
      const sen = senonesFor(ctx);
      const key = sen.join(',');
      const known = byKey.get(key);
      if (known) known.ctxs.add(ctx);
      else byKey.set(key, { sen, ctxs: new Set([ctx]) });
    }
    return [...byKey.values()].map(({ sen, ctxs }) => ({ hmm: make(sen, ctxs), contexts: ctxs }));
  };

  const chains: WordChain[][] = context.arcs.map(() => []);
  context.arcs.forEach((arc, index) => {
    if (arc.word === null) return;
    const node = arc.to;
    const canEnd = finals[node] !== undefined;
    const rights = firstPhonesAt[node] as Set<string>;
    for (const pron of prons[index] ?? []) {
      const n = pron.length;
      const p = (i: number) => pron[i] as string;
      if (n === 1) {
        // One-phone words take silence as their right context, as pocketsphinx does.
        const heads = instances(
          leftOf[index] as Set<string>,
          (lc) => model.senones(p(0), lc, sil, 's'),
          (sen) => addHmm(p(0), sen, index, node, canEnd),
        );
        chains[index]?.push({ arc: index, first: p(0), last: p(0), heads, tails: heads, single: true });
        continue;
      }
      const heads = instances(
        leftOf[index] as Set<string>,
        (lc) => model.senones(p(0), lc, p(1), 'b'),
        (sen) => addHmm(p(0), sen, index, -1, false),
      );
      const inner: number[] = [];
      for (let i = 1; i < n - 1; i++)
        inner.push(addHmm(p(i), model.senones(p(i), p(i - 1), p(i + 1), 'i'), index, -1, false));
      const tails = instances(
        rights,
        (rc) => model.senones(p(n - 1), p(n - 2), rc, 'e'),
        (sen, ctxs) => addHmm(p(n - 1), sen, index, node, canEnd && ctxs.has(sil)),
      );
      const link = (from: number, to: number) => edges.push({ from, to, eps: -1, penalty: 0 });
      const chainStart = inner[0];
      for (const h of heads) {
        if (chainStart === undefined) for (const t of tails) link(h.hmm, t.hmm);
        else link(h.hmm, chainStart);
      }
      for (let i = 0; i + 1 < inner.length; i++) link(inner[i] as number, inner[i + 1] as number);
      const chainEnd = inner[inner.length - 1];
      if (chainEnd !== undefined) for (const t of tails) link(chainEnd, t.hmm);
      chains[index]?.push({ arc: index, first: p(0), last: p(n - 1), heads, tails, single: false });
    }
  });

  // A silence HMM per node that words leave into (pauses between words, trailing silence).
  const silenceSenones = model.senones(sil, sil, sil, 's');
  const silenceAt = new Int32Array(context.nodeCount).fill(-1);
  const silenceHmm = (node: number): number => {
    let h = silenceAt[node] as number;
    if (h < 0) {
      h = addHmm(sil, silenceSenones, -1, node, finals[node] !== undefined);
      silenceAt[node] = h;
    }
    return h;
  };
  /** Transitions from an HMM leaving into `node` with last phone `last`, whose right contexts are `rights`. */
  const leaveInto = (from: number, node: number, last: string, rights: ReadonlySet<string> | null) => {
    for (const e of entries[node] ?? []) {
      for (const chain of chains[e.arc] ?? []) {
        if (rights !== null && !rights.has(chain.first)) continue;
        for (const head of chain.heads)
          if (head.contexts.has(last))
            edges.push({ from, to: head.hmm, eps: e.epsPath, penalty: o.wordPenalty });
      }
    }
    if (rights === null || rights.has(sil)) {
      const free = finals[node] !== undefined && (entries[node]?.length ?? 0) === 0;
      edges.push({ from, to: silenceHmm(node), eps: -1, penalty: free ? 0 : o.silencePenalty });
    }
  };
  for (const list of chains)
    for (const chain of list)
      for (const tail of chain.tails)
        leaveInto(
          tail.hmm,
          context.arcs[chain.arc]?.to as number,
          chain.last,
          chain.single ? null : tail.contexts,
        );
  const startSilence = silenceHmm(context.start);
  // Silence leaves into the words of its node with silence as their left context, or into itself.
  for (let node = 0; node < context.nodeCount; node++) {
    const h = silenceAt[node] as number;
    if (h < 0) continue;
    edges.push({ from: h, to: h, eps: -1, penalty: 0 });
    for (const e of entries[node] ?? [])
      for (const chain of chains[e.arc] ?? [])
        for (const head of chain.heads)
          if (head.contexts.has(sil))
            edges.push({ from: h, to: head.hmm, eps: e.epsPath, penalty: o.wordPenalty });
  }
  const startEntries: Entry[] = [{ state: startSilence, epsPath: -1 }];
  for (const e of entries[context.start] ?? [])
    for (const chain of chains[e.arc] ?? [])
      for (const head of chain.heads)
        if (head.contexts.has(sil)) startEntries.push({ state: head.hmm, epsPath: e.epsPath });

  const hmmCount = hmmArc.length;
  edges.sort((a, b) => a.from - b.from);
  const succStart = new Int32Array(hmmCount + 1);
  for (const e of edges) (succStart[e.from + 1] as number)++;
  for (let h = 0; h < hmmCount; h++)
    succStart[h + 1] = (succStart[h + 1] as number) + (succStart[h] as number);
  return {
    context,
    hmmCount,
    senones: Int32Array.from(senones),
    transitions: Float32Array.from(transitions),
    hmmArc: Int32Array.from(hmmArc),
    succStart,
    succ: Int32Array.from(edges, (e) => e.to),
    succEps: Int32Array.from(edges, (e) => e.eps),
    succPenalty: Float32Array.from(edges, (e) => e.penalty),
    hmmNode: Int32Array.from(hmmNode),
    hmmCanEnd: Uint8Array.from(hmmCanEnd),
    startEntries,
    nodeFinal: finals,
    nodeExtendable: Uint8Array.from({ length: context.nodeCount }, (_, n) =>
      (entries[n]?.length ?? 0) > 0 ? 1 : 0,
    ),
    epsPaths,
    guessedWords: [...guessed].sort(),
    wordPenalty: o.wordPenalty,
  };
}
