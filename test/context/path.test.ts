import { describe, expect, it } from 'vitest';
import { compileContext } from '../../src/context/compile.ts';
import { parseContext } from '../../src/context/parse.ts';
import { pathToResult } from '../../src/context/path.ts';
import { findPath, LIGHTS_YAML } from './fixtures.ts';

const graph = compileContext(parseContext(LIGHTS_YAML, 'lights'));

function pathOf(text: string): number[] {
  const path = findPath(graph, text.split(' '));
  if (path === null) throw new Error(`no path for "${text}"`);
  return path;
}

describe('pathToResult', () => {
  it('reads the intent, the slots as written and the words of a full path', () => {
    expect(pathToResult(graph, pathOf('make the living room lights dark red'))).toEqual({
      intent: 'setColor',
      slots: { room: 'Living Room', color: 'dark red' },
      words: ['make', 'the', 'living', 'room', 'lights', 'dark', 'red'],
      slotSpans: [
        { slot: 'room', slotType: 'room', from: 2, to: 4 },
        { slot: 'color', slotType: 'color', from: 5, to: 7 },
      ],
    });
  });

  it('reports no intent and only closed slots for a path that stops early', () => {
    const path = pathOf('turn on the lights in the kitchen');
    const partial = path.slice(
      0,
      path.findIndex((i) => graph.arcs[i]?.word === 'the'),
    );
    expect(pathToResult(graph, partial)).toEqual({
      intent: null,
      slots: { state: 'on' },
      words: ['turn', 'on'],
      slotSpans: [{ slot: 'state', slotType: 'state', from: 1, to: 2 }],
    });
    expect(pathToResult(graph, [])).toEqual({ intent: null, slots: {}, words: [], slotSpans: [] });
  });

  it('rejects unknown arcs and broken paths', () => {
    expect(() => pathToResult(graph, [graph.arcs.length])).toThrow(RangeError);
    const path = pathOf('lights on');
    expect(() => pathToResult(graph, [path[0]!, path[0]!])).toThrow(/starts at node/);
  });
});
