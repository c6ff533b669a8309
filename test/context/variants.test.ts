import { describe, expect, it } from 'vitest';
import { compileContext } from '../../src/context/compile.ts';
import { parseContext } from '../../src/context/parse.ts';
import { pathToResult } from '../../src/context/path.ts';
import { slotVariants } from '../../src/context/variants.ts';
import { findPath, LIGHTS_YAML } from './fixtures.ts';

const graph = compileContext(parseContext(LIGHTS_YAML, 'lights'));
const parse = (text: string) => pathToResult(graph, findPath(graph, text.split(' ')) ?? []);

describe('slotVariants', () => {
  it('changes one slot at a time to each other value of its type, moving the later spans', () => {
    const variants = slotVariants(graph, parse('make the kitchen lights red'));
    expect(variants.map((v) => v.words.join(' '))).toEqual([
      'make the living room lights red',
      'make the kids room lights red',
      'make the kitchen lights dark red',
      'make the kitchen lights blue',
    ]);
    expect(variants[0]).toEqual({
      intent: 'setColor',
      slots: { room: 'Living Room', color: 'red' },
      words: ['make', 'the', 'living', 'room', 'lights', 'red'],
      slotSpans: [
        { slot: 'room', slotType: 'room', from: 2, to: 4 },
        { slot: 'color', slotType: 'color', from: 5, to: 6 },
      ],
    });
  });

  it('gives every variant as the grammar parses it', () => {
    for (const v of slotVariants(graph, parse('turn on the lights in the living room'))) {
      expect(pathToResult(graph, findPath(graph, [...v.words]) ?? [])).toEqual(v);
    }
  });

  it('has none for a parse without slots', () => {
    expect(slotVariants(graph, { intent: null, slots: {}, words: [], slotSpans: [] })).toEqual([]);
  });
});
