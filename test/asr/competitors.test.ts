import { describe, expect, it } from 'vitest';
import { Lexicon, competitorIntent, shippedCompetitors, withCompetitors } from '../../src/asr/index.ts';
import { compileContext, parseContext, pathToResult } from '../../src/context/index.ts';

const lexicon = Lexicon.fromText(
  ['on AA N', 'off AO F', 'one W AH N', 'know N OW', 'no N OW', 'the DH AH', 'the DH IY', 'of AH V'].join(
    '\n',
  ),
);
const graph = (yaml: string) => compileContext(parseContext(yaml, 'inline'));
const onOff = graph(
  'context:\n  expressions:\n    on:\n      - "on"\n    off:\n      - "off"\n    no:\n      - "no"\n',
);

describe('withCompetitors', () => {
  it('adds each known word that is not the context’s and does not sound like one of its words, as a path to one new final node', () => {
    const extended = withCompetitors(onOff, ['one', 'know', 'off', 'the', 'zyzzyva', 'one'], lexicon);
    // `know` sounds as "no", `off` is the context's, `zyzzyva` is not in the lexicon, `one` comes once.
    const added = extended.arcs.slice(onOff.arcs.length);
    expect(added.map((a) => a.word)).toEqual(['one', 'the']);
    const node = onOff.nodeCount;
    expect(extended.nodeCount).toBe(node + 1);
    expect(added.every((a) => a.from === onOff.start && a.to === node)).toBe(true);
    expect(extended.finals.get(node)).toBe(competitorIntent);
    expect(extended.arcsFrom[onOff.start]).toEqual([
      ...(onOff.arcsFrom[onOff.start] as number[]),
      onOff.arcs.length,
      onOff.arcs.length + 1,
    ]);
    expect(extended.arcsFrom[node]).toEqual([]);
    expect(extended.words).toEqual([...onOff.words, 'one', 'the'].sort());
    // The context itself is unchanged: its intents, and every path it had.
    expect(extended.spec).toBe(onOff.spec);
    expect(extended.arcs.slice(0, onOff.arcs.length)).toEqual(onOff.arcs);
    expect(pathToResult(extended, [onOff.arcs.length])).toMatchObject({
      intent: competitorIntent,
      words: ['one'],
    });
  });

  it('leaves a graph alone when no word is left, or when the context has an intent of the competitors’ name', () => {
    expect(withCompetitors(onOff, ['know', 'on'], lexicon)).toBe(onOff);
    const named = graph(`context:\n  expressions:\n    ${competitorIntent}:\n      - "on"\n`);
    expect(withCompetitors(named, ['one'], lexicon)).toBe(named);
  });
});

describe('shippedCompetitors', () => {
  it('reads the first N words of models/lexicon/competitors.txt, most frequent first', () => {
    const words = shippedCompetitors(200);
    expect(words).toHaveLength(200);
    expect(words.slice(0, 3)).toEqual(['the', 'to', 'me']);
    expect(new Set(words).size).toBe(200);
    expect(shippedCompetitors(5)).toEqual(words.slice(0, 5));
    expect(shippedCompetitors(0)).toEqual([]);
    expect(() => shippedCompetitors(-1)).toThrow(/competitors/);
    expect(() => shippedCompetitors(1.5)).toThrow(/competitors/);
  });
});
