import type { ContextGraph } from '../context/index.ts';
import type { Lexicon } from './lexicon.ts';
import { pronounceAny } from './pronounce.ts';

/** A word arc's first phone state, reached from a node through a path of epsilon arcs. */
export interface Entry {
  readonly state: number;
  /** Index into {@link PhoneGraph.epsPaths}: the epsilon arcs crossed before the word. */
  readonly epsPath: number;
}

/** An intent reachable from a node through epsilon arcs alone. */
export interface FinalExit {
  readonly intent: string;
  readonly epsPath: number;
}

/**
 * A context graph expanded into phone states for CTC decoding: every word arc becomes a chain of states,
 * one a phone of one of its pronunciations (a word with several pronunciations gets parallel chains).
 */
export interface PhoneGraph {
  readonly context: ContextGraph;
  readonly stateCount: number;
  /** Token id (1-based phone; 0 is the CTC blank) each state emits. */
  readonly statePhone: Int32Array;
  /** The word arc each state belongs to. */
  readonly stateArc: Int32Array;
  /** 1 where a state is the last phone of its word's pronunciation. */
  readonly stateLast: Uint8Array;
  /** 1 where a state is the first phone of its word's pronunciation (a new word starts there). */
  readonly stateFirst: Uint8Array;
  /** Per graph node: the phone states that can follow it. */
  readonly nodeEntries: readonly (readonly Entry[])[];
  /** Per graph node: the intent completed there, if any. */
  readonly nodeFinal: readonly (FinalExit | undefined)[];
  /** Epsilon-arc sequences, referenced by entries and exits. */
  readonly epsPaths: readonly (readonly number[])[];
  /** Words not in the lexicon, pronounced by the fallback (letters or known parts). */
  readonly guessedWords: readonly string[];
  /** Log-score added on entering each word-start state (a language model); absent for grammars. */
  readonly entryScore?: Float32Array;
}

/**
 * Expands a context graph with a lexicon into a {@link PhoneGraph}.
 * @param tokenIds phone → token id of the acoustic model.
 */
export function compilePhoneGraph(
  context: ContextGraph,
  lexicon: Lexicon,
  tokenIds: ReadonlyMap<string, number>,
): PhoneGraph {
  const phones: number[] = [];
  const arcsOfState: number[] = [];
  const last: number[] = [];
  const first: number[] = [];
  const arcStates: number[][] = context.arcs.map(() => []);
  const guessed = new Set<string>();
  context.arcs.forEach((arc, index) => {
    if (arc.word === null) return;
    const { prons, guessed: wasGuessed } = pronounceAny(arc.word, lexicon);
    if (wasGuessed) guessed.add(arc.word);
    for (const pron of prons) {
      pron.forEach((phone, i) => {
        const id = tokenIds.get(phone);
        if (id === undefined)
          throw new TypeError(`lexicon phone ${phone} is not a token of the acoustic model`);
        if (i === 0) (arcStates[index] as number[]).push(phones.length);
        phones.push(id);
        arcsOfState.push(index);
        first.push(i === 0 ? 1 : 0);
        last.push(i === pron.length - 1 ? 1 : 0);
      });
    }
  });

  const closures = wordClosures(context);
  const entries = closures.entries.map((list) =>
    dedupe(list.flatMap((e) => (arcStates[e.arc] ?? []).map((state) => ({ state, epsPath: e.epsPath })))),
  );
  const { finals, epsPaths } = closures;

  return {
    context,
    stateCount: phones.length,
    statePhone: Int32Array.from(phones),
    stateArc: Int32Array.from(arcsOfState),
    stateLast: Uint8Array.from(last),
    stateFirst: Uint8Array.from(first),
    nodeEntries: entries,
    nodeFinal: finals,
    epsPaths,
    guessedWords: [...guessed].sort(),
  };
}

/** A word arc reached from a node through a path of epsilon arcs. */
export interface WordEntry {
  readonly arc: number;
  /** Index into `epsPaths`: the epsilon arcs crossed before the word. */
  readonly epsPath: number;
}

/**
 * For every node of a context graph: the word arcs that can follow it and the intent completed there, each
 * reached through epsilon arcs (the paths are recorded, so a decoded path can be read back arc by arc).
 */
export function wordClosures(context: ContextGraph): {
  entries: WordEntry[][];
  finals: (FinalExit | undefined)[];
  epsPaths: number[][];
} {
  const epsPaths: number[][] = [];
  const entries: WordEntry[][] = [];
  const finals: (FinalExit | undefined)[] = [];
  // Nodes are topologically numbered (from < to), so each closure is built from later nodes' closures.
  for (let node = context.nodeCount - 1; node >= 0; node--) {
    const nodeEntries: WordEntry[] = [];
    let final: FinalExit | undefined;
    const intent = context.finals.get(node);
    if (intent !== undefined) {
      epsPaths.push([]);
      final = { intent, epsPath: epsPaths.length - 1 };
    }
    for (const arcIndex of context.arcsFrom[node] ?? []) {
      const arc = context.arcs[arcIndex];
      if (!arc) continue;
      if (arc.word !== null) {
        epsPaths.push([]);
        nodeEntries.push({ arc: arcIndex, epsPath: epsPaths.length - 1 });
        continue;
      }
      for (const entry of entries[arc.to] ?? []) {
        epsPaths.push([arcIndex, ...(epsPaths[entry.epsPath] ?? [])]);
        nodeEntries.push({ arc: entry.arc, epsPath: epsPaths.length - 1 });
      }
      const later = finals[arc.to];
      if (later && !final) {
        epsPaths.push([arcIndex, ...(epsPaths[later.epsPath] ?? [])]);
        final = { intent: later.intent, epsPath: epsPaths.length - 1 };
      }
    }
    entries[node] = nodeEntries;
    finals[node] = final;
  }
  return { entries, finals, epsPaths };
}

/** Keeps the first way (in expression order) of reaching each state. */
function dedupe(entries: Entry[]): Entry[] {
  const seen = new Set<number>();
  return entries.filter((e) => (seen.has(e.state) ? false : (seen.add(e.state), true)));
}
