import { describe, expect, it } from 'vitest';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { compilePhoneGraph, type PhoneGraph } from '../../src/asr/phoneGraph.ts';
import { type ContextGraph, compileContext, parseContext } from '../../src/context/index.ts';

const lexicon = Lexicon.fromText(
  [
    'turn T ER N',
    'on AA N',
    'the DH AH',
    'the DH IY',
    'lights L AY T S',
    'go G OW',
    'to T UW',
    'kitchen K IH CH AH N',
    'living L IH V IH NG',
    'room R UW M',
    'x EH K S',
    'q K Y UW',
    'a EY',
    'b B IY',
    'c S IY',
  ].join('\n'),
);
const phones = [
  'AA',
  'AH',
  'AY',
  'B',
  'CH',
  'DH',
  'EH',
  'ER',
  'EY',
  'G',
  'IH',
  'IY',
  'K',
  'L',
  'M',
  'N',
  'NG',
  'OW',
];
phones.push('R', 'S', 'T', 'UW', 'V', 'Y');
const tokenIds = new Map(phones.map((p, i) => [p, i + 1]));

const context = (expressions: string, slots = '') =>
  compileContext(
    parseContext(
      `context:\n  expressions:\n${expressions}\n${slots ? `  slots:\n${slots}\n` : ''}`,
      'inline',
    ),
  );

const homeGraph = context(
  '    lightsOn:\n      - "turn on (the) lights"\n    goTo:\n      - "go to the $room:room"',
  '    room: [kitchen, "living room", xq]',
);

/** The arc from `node` with `word` (null: the first epsilon arc). */
function arcFrom(graph: ContextGraph, node: number, word: string | null): number {
  const index = (graph.arcsFrom[node] ?? []).find((i) => graph.arcs[i]?.word === word);
  if (index === undefined) throw new Error(`no arc ${word ?? 'ε'} from node ${node}`);
  return index;
}

/** The node a path spelling `words` from the start reaches with its last word (epsilons crossed before words). */
function nodeAfter(graph: ContextGraph, words: string[]): number {
  let nodes = [graph.start];
  for (const w of words) {
    const closure = new Set(nodes);
    for (const node of closure) {
      for (const i of graph.arcsFrom[node] ?? [])
        if (graph.arcs[i]?.word === null) closure.add(graph.arcs[i]?.to as number);
    }
    const next = [...closure].flatMap((node) =>
      (graph.arcsFrom[node] ?? []).flatMap((i) =>
        graph.arcs[i]?.word === w ? [graph.arcs[i]?.to as number] : [],
      ),
    );
    nodes = [...new Set(next)];
  }
  if (nodes.length !== 1) throw new Error(`"${words.join(' ')}" reaches ${nodes.length} nodes`);
  return nodes[0] as number;
}

/** The one arc with `word`. */
function arcWith(graph: ContextGraph, word: string): number {
  const found = graph.arcs.flatMap((a, i) => (a.word === word ? [i] : []));
  if (found.length !== 1) throw new Error(`${found.length} arcs with ${word}`);
  return found[0] as number;
}

/** The pronunciations spelled by an arc's phone states, as "PH ON ES" strings. */
function spelledBy(pg: PhoneGraph, arc: number): string[] {
  const name = new Map([...tokenIds].map(([p, id]) => [id, p]));
  const prons: string[][] = [];
  for (let s = 0; s < pg.stateCount; s++) {
    if (pg.stateArc[s] !== arc) continue;
    if (pg.stateFirst[s] === 1) prons.push([]);
    prons.at(-1)?.push(name.get(pg.statePhone[s] as number) as string);
    if (pg.stateLast[s] === 1) expect(pg.stateArc[s + 1] === arc && pg.stateFirst[s + 1] === 0).toBe(false);
  }
  return prons.map((p) => p.join(' '));
}

/** A node's entries as "word@epsilon-arc-path". */
function entriesOf(pg: PhoneGraph, node: number): string[] {
  return (pg.nodeEntries[node] ?? []).map((e) => {
    const word = pg.context.arcs[pg.stateArc[e.state] as number]?.word;
    return `${word}@[${(pg.epsPaths[e.epsPath] ?? []).join(',')}]`;
  });
}

/** Follows epsilon arcs from `node`; fails if one is not an epsilon leaving where the last one arrived. */
function walk(graph: ContextGraph, node: number, path: readonly number[]): number {
  for (const index of path) {
    const arc = graph.arcs[index];
    expect(arc?.word).toBeNull();
    expect(arc?.from).toBe(node);
    node = arc?.to as number;
  }
  return node;
}

/** Every entry and exit of every node leads where it says, through epsilons only. */
function expectConsistent(pg: PhoneGraph): void {
  const graph = pg.context;
  expect(pg.nodeEntries).toHaveLength(graph.nodeCount);
  expect(pg.nodeFinal).toHaveLength(graph.nodeCount);
  for (let node = 0; node < graph.nodeCount; node++) {
    const states = (pg.nodeEntries[node] ?? []).map((e) => e.state);
    expect(new Set(states).size).toBe(states.length);
    for (const entry of pg.nodeEntries[node] ?? []) {
      expect(pg.stateFirst[entry.state]).toBe(1);
      const arc = graph.arcs[pg.stateArc[entry.state] as number];
      expect(arc?.word).not.toBeNull();
      expect(walk(graph, node, pg.epsPaths[entry.epsPath] ?? [])).toBe(arc?.from);
    }
    const final = pg.nodeFinal[node];
    if (final)
      expect(graph.finals.get(walk(graph, node, pg.epsPaths[final.epsPath] ?? []))).toBe(final.intent);
  }
}

describe('compilePhoneGraph', () => {
  const pg = compilePhoneGraph(homeGraph, lexicon, tokenIds);

  it('turns each word arc into chains of phone states, one chain per pronunciation', () => {
    const graph = homeGraph;
    const theOptional = arcFrom(graph, nodeAfter(graph, ['turn', 'on']), 'the');
    expect(spelledBy(pg, theOptional)).toEqual(['DH AH', 'DH IY']);
    expect(spelledBy(pg, arcFrom(graph, 0, 'turn'))).toEqual(['T ER N']);
    expect(spelledBy(pg, arcWith(graph, 'living'))).toEqual(['L IH V IH NG']);
    // Every state belongs to a word arc; the total is the phones of every pronunciation of every arc.
    const expected = graph.arcs.reduce(
      (n, arc) =>
        n + (arc.word === null ? 0 : spelledBy(pg, graph.arcs.indexOf(arc)).join(' ').split(' ').length),
      0,
    );
    expect(pg.stateCount).toBe(expected);
    expect(pg.stateCount).toBe(40);
    expect(pg.statePhone).toHaveLength(40);
    for (const id of pg.statePhone) expect(id).toBeGreaterThan(0); // 0 is the CTC blank
  });

  it('spells words outside the lexicon and lists them as guessed', () => {
    expect(spelledBy(pg, arcWith(homeGraph, 'xq'))).toEqual(['EH K S K Y UW']);
    expect(pg.guessedWords).toEqual(['xq']);
  });

  it('lists the words that can start at each node, through optionals and slot boundaries', () => {
    const graph = homeGraph;
    expect(entriesOf(pg, 0)).toEqual(['turn@[]', 'go@[]']);
    // After "turn on": either pronunciation of "the", or "lights" across the optional's epsilon.
    const afterOn = nodeAfter(graph, ['turn', 'on']);
    const skipThe = arcFrom(graph, afterOn, null);
    expect(entriesOf(pg, afterOn)).toEqual(['the@[]', 'the@[]', `lights@[${skipThe}]`]);
    // After "go to the": a room, across the slotStart epsilon.
    const afterThe = nodeAfter(graph, ['go', 'to', 'the']);
    const slotStart = arcFrom(graph, afterThe, null);
    expect(graph.arcs[slotStart]?.tag?.type).toBe('slotStart');
    expect(entriesOf(pg, afterThe)).toEqual([
      `kitchen@[${slotStart}]`,
      `living@[${slotStart}]`,
      `xq@[${slotStart}]`,
    ]);
    expectConsistent(pg);
  });

  it('finds the intent completed at each node through epsilon arcs', () => {
    const graph = homeGraph;
    const afterLights = nodeAfter(graph, ['turn', 'on', 'the', 'lights']);
    expect(nodeAfter(graph, ['turn', 'on', 'lights'])).toBe(afterLights);
    expect(pg.nodeFinal[afterLights]?.intent).toBe('lightsOn');
    expect(pg.epsPaths[pg.nodeFinal[afterLights]?.epsPath ?? -1]).toEqual([
      arcFrom(graph, afterLights, null),
    ]);
    // "kitchen" ends the slot and the command: slotEnd, then the arc into the final node.
    const kitchenEnd = nodeAfter(graph, ['go', 'to', 'the', 'kitchen']);
    expect(nodeAfter(graph, ['go', 'to', 'the', 'living', 'room'])).toBe(kitchenEnd);
    const path = pg.epsPaths[pg.nodeFinal[kitchenEnd]?.epsPath ?? -1] ?? [];
    expect(pg.nodeFinal[kitchenEnd]?.intent).toBe('goTo');
    expect(path.map((i) => graph.arcs[i]?.tag?.type ?? 'ε')).toEqual(['slotEnd', 'ε']);
    // The final node itself, with no arcs to cross.
    const finalNode = walk(graph, kitchenEnd, path);
    expect(pg.nodeFinal[finalNode]).toMatchObject({ intent: 'goTo' });
    expect(pg.epsPaths[pg.nodeFinal[finalNode]?.epsPath ?? -1]).toEqual([]);
    // Nowhere else is a command complete: not before "lights", not after "living" without "room".
    expect(pg.nodeFinal[nodeAfter(graph, ['turn', 'on'])]).toBeUndefined();
    expect(pg.nodeFinal[nodeAfter(graph, ['turn', 'on', 'the'])]).toBeUndefined();
    expect(pg.nodeFinal[nodeAfter(graph, ['go', 'to', 'the', 'living'])]).toBeUndefined();
    expect(pg.nodeFinal[0]).toBeUndefined();
    const finals = pg.nodeFinal.flatMap((f, node) => (f && graph.finals.has(node) ? [f.intent] : []));
    expect(finals.sort()).toEqual(['goTo', 'lightsOn']);
  });

  it('keeps one way to each state, the first in expression order, when epsilon paths meet', () => {
    // "((a) (b)) c": from the start, c is reached by skipping a then b, or by skipping the whole group.
    const graph = context('    go:\n      - "((a) (b)) c"');
    const result = compilePhoneGraph(graph, lexicon, tokenIds);
    const [skipA, skipAll] = (graph.arcsFrom[0] ?? []).filter((i) => graph.arcs[i]?.word === null);
    const skipB = arcFrom(graph, (graph.arcs[skipA as number] as { to: number }).to, null);
    expect(entriesOf(result, 0)).toEqual(['a@[]', `b@[${skipA}]`, `c@[${skipA},${skipB}]`]);
    expect(skipAll).toBeDefined();
    expectConsistent(result);
  });

  it('refuses a lexicon phone the acoustic model has no token for', () => {
    const partial = new Map([...tokenIds].filter(([p]) => p !== 'NG'));
    expect(() => compilePhoneGraph(homeGraph, lexicon, partial)).toThrow(TypeError);
    expect(() => compilePhoneGraph(homeGraph, lexicon, partial)).toThrow('NG');
  });
});
